package dev.grokscope.eval;

import dev.grokscope.data.ModularDataset;
import dev.grokscope.data.Split;
import dev.grokscope.model.Network;
import dev.grokscope.model.Objectives;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one evaluator: loss and accuracy of a network on the training and validation splits, and its
 * weight norm, as the trainer writes them to metrics.csv and every post-hoc command reports them.
 *
 * <p>Loss is the data loss {@link Objectives#evaluate} computes in float64 from the network's outputs
 * (cross-entropy or MSE, no weight-decay term); accuracy is the fraction of pairs whose first maximal
 * output is the label; the weight norm is sqrt(sum over parameters of ||theta||_2^2), each parameter's
 * norm taken in the network's dtype. The inputs are encoded once; the network's current parameters are
 * read at every {@link #evaluate()}, so one evaluator serves a network whose weights are replaced in
 * place (training steps, or states assigned one after another).
 */
public final class Evaluator {
    private final Network network;
    private final ModularDataset train;
    private final ModularDataset val;
    private final INDArray trainX;
    private final INDArray valX;

    public Evaluator(Network network, Split split) {
        this.network = network;
        this.train = split.train();
        this.val = split.val();
        this.trainX = network.features(train);
        this.valX = network.features(val);
    }

    /** The training inputs as the network encodes them (the trainer steps on these). */
    public INDArray trainFeatures() {
        return trainX;
    }

    /** Loss and accuracy on both splits and the weight norm, of the network's current parameters. */
    public Scores evaluate() {
        Objectives.LossAccuracy tr = lossAccuracy(network, trainX, train);
        Objectives.LossAccuracy va = lossAccuracy(network, valX, val);
        return new Scores(tr.loss(), tr.accuracy(), va.loss(), va.accuracy(), weightNorm(network));
    }

    /**
     * Loss and accuracy on one set of pairs encoded as {@code features}. The outputs (megabytes for a
     * large validation set) are freed at once: left to the garbage collector, which a small Java heap
     * rarely runs, their native memory piled up evaluation after evaluation.
     */
    public static Objectives.LossAccuracy lossAccuracy(Network network, INDArray features, ModularDataset data) {
        INDArray out = network.output(features);
        try {
            return Objectives.evaluate(out, data.labels(), network.loss(), network.outputKind());
        } finally {
            if (out.closeable()) {
                out.close();
            }
        }
    }

    /** sqrt(sum over parameters of ||theta||_2^2). */
    public static double weightNorm(Network network) {
        double sq = 0;
        for (INDArray a : network.parameters().values()) {
            double n = a.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }
}
