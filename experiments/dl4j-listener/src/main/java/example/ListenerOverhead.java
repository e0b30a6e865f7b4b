package example;

import dev.grokscope.attach.Cadence;
import dev.grokscope.attach.SpectraListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.SingletonDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * What the attached listener costs a user's own Deeplearning4j training: a MultiLayerNetwork of the
 * quickstart's shape (one-hot pairs of (a + b) mod 97, 194 -> 500 -> 97, full batch of 4,705, Adam)
 * trained by DL4J's own {@code fit} for EPOCHS epochs with {@link SpectraListener} snapshotting every epoch
 * and without it, alternating, ROUNDS times each; prints every run's wall seconds and the medians.
 * {@code java example.ListenerOverhead [EPOCHS] [ROUNDS] [SCRATCH_DIR]}; {@code overhead.sh} beside the pom
 * builds and starts it.
 */
public final class ListenerOverhead {
    private static final int P = 97;

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path scratch = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("listener-overhead");
        DataSet data = pairs();
        train(data, 5, null); // warm-up: JIT, ND4J's first allocations
        List<Double> with = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            with.add(train(data, epochs, scratch.resolve("run-" + r)));
            without.add(train(data, epochs, null));
            System.out.printf("round %d: listener every epoch %.2f s, none %.2f s%n", r + 1, with.get(r), without.get(r));
        }
        double on = median(with);
        double off = median(without);
        System.out.printf("medians over %d rounds of %d epochs: %.2f s with the listener, %.2f s without: %+.1f%%%n",
                rounds, epochs, on, off, 100 * (on - off) / off);
    }

    /** Wall seconds of {@code epochs} full-batch epochs of a fresh network, with the listener if {@code dir} is set. */
    private static double train(DataSet data, int epochs, Path dir) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(0)
                .weightInit(WeightInit.NORMAL).updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(2 * P).nOut(500).activation(Activation.RELU).hasBias(false).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(500).nOut(P)
                        .activation(Activation.IDENTITY).hasBias(false).build())
                .build());
        net.init();
        long t0 = System.nanoTime();
        if (dir == null) {
            net.fit(new SingletonDataSetIterator(data), epochs);
        } else {
            try (SpectraListener spectra = new SpectraListener(net, dir, Cadence.epochs(1))) {
                net.setListeners(spectra);
                net.fit(new SingletonDataSetIterator(data), epochs);
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Every other pair (a, b) of Z_97 as [onehot(a), onehot(b)] -> onehot((a + b) mod 97): 4,705 rows. */
    private static DataSet pairs() {
        int n = (P * P + 1) / 2;
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, 2 * P);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, P);
        for (int i = 0, row = 0; row < n; i += 2, row++) {
            int a = i / P;
            int b = i % P;
            x.putScalar(row, a, 1.0);
            x.putScalar(row, P + b, 1.0);
            y.putScalar(row, (a + b) % P, 1.0);
        }
        return new DataSet(x, y);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
