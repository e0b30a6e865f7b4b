package dev.grokscope.data;

import dev.grokscope.config.DataSpec;
import dev.grokscope.config.Seeds;

import java.util.SplittableRandom;

/**
 * A seeded train/validation split of all pairs: a Fisher-Yates shuffle with {@link SplittableRandom}
 * (whose sequence is fixed by its specification), the first {@code floor(fraction * n)} for training.
 * With {@code randomLabels} the training labels are permuted among themselves (class balance kept);
 * validation labels stay true, so validation accuracy measures generalisation.
 */
public record Split(ModularDataset train, ModularDataset val) {

    public static Split of(DataSpec spec, Seeds seeds) {
        ModularDataset all = ModularDataset.all(spec.operation(), spec.p());
        int n = all.size();
        int[] order = permutation(n, new SplittableRandom(seeds.split()));
        int nTrain = DataSpec.trainCount(n, spec.trainFraction());
        int[] tr = new int[nTrain];
        int[] va = new int[n - nTrain];
        System.arraycopy(order, 0, tr, 0, nTrain);
        System.arraycopy(order, nTrain, va, 0, n - nTrain);
        ModularDataset train = all.select(tr);
        if (spec.randomLabels()) {
            int[] perm = permutation(nTrain, new SplittableRandom(seeds.labels()));
            int[] shuffled = new int[nTrain];
            for (int i = 0; i < nTrain; i++) {
                shuffled[i] = train.labels()[perm[i]];
            }
            train = train.withLabels(shuffled);
        }
        return new Split(train, all.select(va));
    }

    /** A uniformly random permutation of 0..n-1. */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
