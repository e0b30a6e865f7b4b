package dev.grokscope.config;

import dev.grokscope.data.Operation;

/**
 * The task: {@code label = operation(x, y) mod p} over all pairs of residues, split into train and
 * validation sets.
 *
 * @param p the prime modulus (97 in Power et al. and Gromov; 113 in Nanda et al.)
 * @param operation the binary operation; {@code div} is {@code x * y^-1 mod p} and skips {@code y = 0}
 * @param trainFraction the share of all pairs used for training, in (0, 1); grokking needs it well
 *     below 1 (0.3 in Nanda, 0.5 in Gromov)
 * @param randomLabels permute the training labels (class balance kept): a memorisation control
 * @param seed the seed of the split and of the label permutation; -1: the experiment's seed. A branch
 *     ({@code run --from}) sets its parent's, so that branches of one trunk train on one split
 */
public record DataSpec(int p, Operation operation, double trainFraction, boolean randomLabels, long seed) {
    /** Large enough for every published setup; the one-hot datasets of larger p do not fit in memory. */
    public static final int MAX_P = 997;

    /** The data of the experiment's own seed. */
    public DataSpec(int p, Operation operation, double trainFraction, boolean randomLabels) {
        this(p, operation, trainFraction, randomLabels, -1);
    }

    public DataSpec {
        Check.present(operation, "data.operation");
        Check.that(seed >= -1, "data.seed", "must be >= 0, or -1 for the experiment's seed", seed);
        Check.that(p >= 2 && p <= MAX_P, "data.p", "must be a prime between 2 and " + MAX_P, p);
        Check.that(isPrime(p), "data.p", "must be a prime", p);
        Check.that(trainFraction > 0 && trainFraction < 1, "data.trainFraction", "must be in (0, 1)", trainFraction);
        int pairs = operation.pairCount(p);
        int train = trainCount(pairs, trainFraction);
        Check.that(train >= 1 && train <= pairs - 1, "data.trainFraction",
                "must leave at least one pair in each split of the " + pairs + " pairs", trainFraction);
    }

    /** The same data drawn with another seed. */
    public DataSpec withSeed(long s) {
        return new DataSpec(p, operation, trainFraction, randomLabels, s);
    }

    /** The number of training pairs: {@code floor(trainFraction * pairs)}, as PyTorch references do. */
    public static int trainCount(int pairs, double trainFraction) {
        return (int) Math.floor(trainFraction * pairs);
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int d = 2; (long) d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
