package example;

import dev.grokscope.attach.Cadence;
import dev.grokscope.attach.SpectraListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A user's small ComputationGraph CNN, trained on images it makes itself (a noisy bar, horizontal,
 * vertical or diagonal: which one is the class), with grokscope's spectra listener attached. Writes a
 * grokscope run directory; {@code grokscope report DIR} then draws it.
 * {@code run.sh} beside the pom builds and starts it: {@code java example.CnnWithSpectra RUN_DIR EPOCHS}.
 */
public final class CnnWithSpectra {
    private static final int SIZE = 12;
    private static final int CLASSES = 3;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "runs/cnn");
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 30;

        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(3e-3))
                .graphBuilder()
                .addInputs("image")
                .setInputTypes(InputType.convolutional(SIZE, SIZE, 1))
                .addLayer("conv_1", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build(), "image")
                .addLayer("pool_1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "conv_1")
                .addLayer("conv_2", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build(), "pool_1")
                .addLayer("dense_1", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), "conv_2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "dense_1")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();

        DataSet train = bars(600, 1);
        DataSet test = bars(300, 2);
        // The one line a user adds (and close() at the end): spectra of every weight matrix, every epoch.
        try (SpectraListener spectra = new SpectraListener(net, dir, Cadence.epochs(1))) {
            net.setListeners(spectra, new ScoreIterationListener(50));
            net.fit(new ListDataSetIterator<>(train.asList(), 50), epochs);
        }
        Evaluation eval = net.evaluate(new ListDataSetIterator<>(test.asList(), 100));
        System.out.printf("test accuracy %.3f; spectra in %s%n", eval.accuracy(), dir);
    }

    /** n images SIZE x SIZE: one bar (class 0 horizontal, 1 vertical, 2 diagonal) at a random place, plus noise. */
    static DataSet bars(int n, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, 1, SIZE, SIZE);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
        for (int i = 0; i < n; i++) {
            int c = i % CLASSES;
            int at = 2 + r.nextInt(SIZE - 4);
            int from = r.nextInt(SIZE / 2);
            for (int j = from; j < from + SIZE / 2; j++) {
                int row = c == 0 ? at : j;
                int col = c == 0 ? j : c == 1 ? at : (j + at) % SIZE;
                x.putScalar(new long[] {i, 0, row, col}, 1.0);
            }
            for (int p = 0; p < SIZE * SIZE; p++) {
                x.putScalar(new long[] {i, 0, p / SIZE, p % SIZE},
                        x.getDouble(i, 0, p / SIZE, p % SIZE) + 0.3 * r.nextGaussian());
            }
            y.putScalar(i, c, 1.0);
        }
        List<DataSet> shuffled = new ArrayList<>(new DataSet(x, y).asList());
        java.util.Collections.shuffle(shuffled, r);
        return DataSet.merge(shuffled);
    }
}
