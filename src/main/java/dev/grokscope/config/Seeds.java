package dev.grokscope.config;

import java.util.SplittableRandom;

/**
 * Seeds split by purpose from the experiment's one seed, so that changing how batches are shuffled
 * does not change the data split or the initial weights. Derived with {@link SplittableRandom}, whose
 * algorithm is fixed by its specification, so they are the same on every JVM.
 */
public record Seeds(long split, long init, long shuffle, long labels, long mask) {
    public static Seeds of(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        return new Seeds(root.nextLong(), root.nextLong(), root.nextLong(), root.nextLong(), root.nextLong());
    }

    /**
     * The seeds of {@code seed} with the data's (split and label permutation) taken from {@code dataSeed}
     * instead, so that runs of different seeds can share one split: a branch keeps its parent's data
     * while its own seed orders the minibatches. {@code dataSeed < 0}: {@code seed} throughout.
     */
    public static Seeds of(long seed, long dataSeed) {
        Seeds own = of(seed);
        if (dataSeed < 0 || dataSeed == seed) {
            return own;
        }
        Seeds data = of(dataSeed);
        return new Seeds(data.split, own.init, own.shuffle, data.labels, own.mask);
    }
}
