package dev.grokscope.model;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * A transformer's batch split into contiguous shards, each computed by its own {@link TransformerKernel}
 * on its own thread ({@link Shards}), one BLAS thread each: how a transformer's step uses a second core.
 * The Power et al. model's step took 91 ms on one thread and 97-110 ms on two with only the BLAS threaded;
 * two shards of its 512-example batch, side by side, take 68-75 ms (README, Benchmarks).
 *
 * <p>Exact. Shard s computes the gradient of its rows' summed loss divided by the whole batch's row
 * count, so the batch's mean-loss gradient is the sum of the shards' (shard 0 writes into the
 * optimiser's gradient slices, the others into flat arrays of the same layout, added in shard order:
 * the result does not depend on thread timing). It differs from one shard's by the rounding of a
 * different summation order (ShardedKernelTest: 1e-12 in float64); logits are the same numbers.
 *
 * <p>One shard is the plain kernel, unchanged: a 1-thread run computes exactly what it did before
 * sharding existed.
 */
final class ShardedKernel {
    private final TransformerKernel[] kernels;
    /** Flat gradient arrays of shards 1.. (shard 0 writes into the optimiser's). */
    private final INDArray[] flats;
    private final INDArray total;
    /** The optimiser's gradient slices: what shard 0 writes and {@link #gradients} returns. */
    private final Map<String, INDArray> grads;
    private final Shards shards;
    private final Shards.RowViews featureViews = new Shards.RowViews();
    private final Shards.RowViews targetViews = new Shards.RowViews();

    /**
     * @param shards threads, >= 1
     * @param kernel the kernel of a shard, writing its gradients into the given arrays
     * @param optimizer whose flat gradient shard 0 writes into and the others are added to
     */
    ShardedKernel(int shards, java.util.function.Function<Map<String, INDArray>, TransformerKernel> kernel,
                  DecoupledOptimizer optimizer, Map<String, INDArray> params) {
        this.shards = new Shards(shards, "grokscope-shard");
        kernels = new TransformerKernel[shards];
        flats = new INDArray[shards];
        total = optimizer.flatGradients();
        grads = optimizer.gradients();
        kernels[0] = kernel.apply(grads);
        for (int s = 1; s < shards; s++) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                flats[s] = Nd4j.zeros(total.dataType(), total.length());
            }
            kernels[s] = kernel.apply(DecoupledOptimizer.views(flats[s], params));
        }
    }

    int shards() {
        return kernels.length;
    }

    /** The gradients of the batch's mean cross-entropy, in the optimiser's slices. */
    Map<String, INDArray> gradients(INDArray features, INDArray targets) {
        int used = shards.usedFor(features.rows());
        if (used == 1) {
            return kernels[0].gradients(features, targets);
        }
        INDArray[] x = featureViews.of(features, used);
        INDArray[] y = targetViews.of(targets, used);
        long n = features.rows();
        shards.onEvery(used, s -> kernels[s].gradients(x[s], y[s], n));
        for (int s = 1; s < used; s++) {
            total.addi(flats[s]);
        }
        return grads;
    }

    /** The logits [n, p] of a batch, written into {@code out}. */
    void forward(INDArray features, INDArray out) {
        int used = shards.usedFor(features.rows());
        if (used == 1) {
            out.assign(kernels[0].forward(features));
            return;
        }
        INDArray[] x = featureViews.of(features, used);
        INDArray[] o = Shards.RowViews.split(out, used);
        shards.onEvery(used, s -> o[s].assign(kernels[s].forward(x[s])));
    }
}
