package dev.grokscope.config;

import java.util.SplittableRandom;

/**
 * Seeds split by purpose from the experiment's one seed, so that changing how batches are shuffled
 * does not change the data split or the initial weights. Derived with {@link SplittableRandom}, whose
 * algorithm is fixed by its specification, so they are the same on every JVM.
 */
public record Seeds(long split, long init, long shuffle, long labels) {
    public static Seeds of(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        return new Seeds(root.nextLong(), root.nextLong(), root.nextLong(), root.nextLong());
    }
}
