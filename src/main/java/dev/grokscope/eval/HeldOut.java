package dev.grokscope.eval;

import dev.grokscope.data.ModularDataset;
import dev.grokscope.data.Split;
import dev.grokscope.model.Network;
import dev.grokscope.model.Objectives;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The validation pairs cut in two for choices that must not see the data they are reported on (a greedy
 * soup's ingredients): {@code select}, the first floor(n/2) pairs of the split's validation order (a
 * seeded random order, so a random half), and {@code test}, the rest. Deterministic: the same split
 * gives the same halves.
 */
public final class HeldOut {
    private final Network network;
    private final ModularDataset select;
    private final ModularDataset test;
    private final INDArray selectX;
    private final INDArray testX;

    public HeldOut(Network network, Split split) {
        int n = split.val().size();
        int half = n / 2;
        if (half < 1) {
            throw new IllegalArgumentException("a held-out half needs >= 2 validation pairs, got " + n);
        }
        int[] a = new int[half];
        int[] b = new int[n - half];
        for (int i = 0; i < n; i++) {
            if (i < half) {
                a[i] = i;
            } else {
                b[i - half] = i;
            }
        }
        this.network = network;
        this.select = split.val().select(a);
        this.test = split.val().select(b);
        this.selectX = network.features(select);
        this.testX = network.features(test);
    }

    /** Loss and accuracy of the network's current parameters on the selection half. */
    public Objectives.LossAccuracy select() {
        return Evaluator.lossAccuracy(network, selectX, select);
    }

    /** Loss and accuracy on the other half, never used to choose. */
    public Objectives.LossAccuracy test() {
        return Evaluator.lossAccuracy(network, testX, test);
    }

    public int selectSize() {
        return select.size();
    }

    public int testSize() {
        return test.size();
    }
}
