package dev.grokscope.model;

import dev.grokscope.backend.BlasThreads;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * A batch's rows split into contiguous shards, each computed by its own {@link TransformerKernel} on its
 * own thread, one BLAS thread each: data parallelism inside one step, which is how a transformer's step
 * uses a second core. ND4J's element-wise ops run on one thread (more cost more than they save on these
 * arrays, {@link dev.grokscope.backend.Backend}), so threading only the BLAS left most of a step on one
 * core: the Power et al. model's step took 91 ms on one thread and 97-110 ms on two. Two shards of its
 * 512-example batch, side by side, take 68-75 ms (README, Benchmarks).
 *
 * <p>Exact. Shard s computes the gradient of its rows' summed loss divided by the whole batch's row
 * count, so the batch's mean-loss gradient is the sum of the shards' (shard 0 writes into the
 * optimiser's gradient slices, the others into flat arrays of the same layout, added in shard order:
 * the result does not depend on thread timing). It differs from one shard's by the rounding of a
 * different summation order (ShardedKernelTest: 1e-12 in float64); logits are the same numbers.
 *
 * <p>One shard is the plain kernel, unchanged: a 1-thread run computes exactly what it did before
 * sharding existed. Batches of fewer than {@value #MIN_ROWS} rows per shard run on shard 0 alone.
 *
 * <p>The BLAS runs on one thread while the shards compute ({@link BlasThreads#singleThreaded()}, a lease
 * per call): several threads calling a multi-threaded OpenBLAS queue for its one pool. Nothing else may
 * call the BLAS meanwhile (its results depend on the thread count in the last bits), so a sharded
 * network claims every core ({@link Transformer#computeThreads()}) and the spectra analysis runs between
 * steps.
 */
final class ShardedKernel {
    /** Fewest rows a shard is given; a smaller batch (an epoch's remainder, a small test) runs on shard 0. */
    static final int MIN_ROWS = 32;
    private static final long IDLE_SECONDS = 60;
    private final TransformerKernel[] kernels;
    /** Flat gradient arrays of shards 1.. (shard 0 writes into the optimiser's). */
    private final INDArray[] flats;
    private final INDArray total;
    /** The optimiser's gradient slices: what shard 0 writes and {@link #gradients} returns. */
    private final Map<String, INDArray> grads;
    private final ExecutorService pool;
    private final RowShards featureViews = new RowShards();
    private final RowShards targetViews = new RowShards();

    /**
     * @param shards threads, >= 1
     * @param kernel the kernel of a shard, writing its gradients into the given arrays
     * @param optimizer whose flat gradient shard 0 writes into and the others are added to
     */
    ShardedKernel(int shards, java.util.function.Function<Map<String, INDArray>, TransformerKernel> kernel,
                  DecoupledOptimizer optimizer, Map<String, INDArray> params) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + shards);
        }
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
        if (shards > 1) {
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            ThreadPoolExecutor threads = new ThreadPoolExecutor(shards - 1, shards - 1, IDLE_SECONDS, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "grokscope-shard-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            threads.allowCoreThreadTimeOut(true); // a network no longer used leaves no thread behind
            pool = threads;
        } else {
            pool = null;
        }
    }

    int shards() {
        return kernels.length;
    }

    /** How many shards a batch of n rows is split into. */
    private int shardsFor(long n) {
        return (int) Math.max(1, Math.min(kernels.length, n / MIN_ROWS));
    }

    /** The gradients of the batch's mean cross-entropy, in the optimiser's slices. */
    Map<String, INDArray> gradients(INDArray features, INDArray targets) {
        int used = shardsFor(features.rows());
        if (used == 1) {
            return kernels[0].gradients(features, targets);
        }
        INDArray[] x = featureViews.of(features, used);
        INDArray[] y = targetViews.of(targets, used);
        long n = features.rows();
        onEveryShard(used, s -> kernels[s].gradients(x[s], y[s], n));
        for (int s = 1; s < used; s++) {
            total.addi(flats[s]);
        }
        return grads;
    }

    /** The logits [n, p] of a batch, written into {@code out}. */
    void forward(INDArray features, INDArray out) {
        int used = shardsFor(features.rows());
        if (used == 1) {
            out.assign(kernels[0].forward(features));
            return;
        }
        INDArray[] x = featureViews.of(features, used);
        INDArray[] o = RowShards.split(out, used);
        onEveryShard(used, s -> o[s].assign(kernels[s].forward(x[s])));
    }

    /**
     * Runs {@code work} for shards 0 .. used-1 at once, shard 0 on the calling thread, at one BLAS thread;
     * waits for all and rethrows the first failure.
     */
    private void onEveryShard(int used, IntConsumer work) {
        try (BlasThreads.Lease ignored = BlasThreads.singleThreaded()) {
            List<Future<?>> others = new ArrayList<>();
            for (int s = 1; s < used; s++) {
                int shard = s;
                others.add(pool.submit(() -> work.accept(shard)));
            }
            try {
                work.accept(0);
            } finally {
                join(others);
            }
        }
    }

    /**
     * Row views of the last array split, made again only for a new array (or shard count): a kernel then
     * sees the same view object again, which its token cache keys on.
     */
    private static final class RowShards {
        private INDArray source;
        private INDArray[] parts;

        INDArray[] of(INDArray a, int used) {
            if (a != source || parts.length != used) {
                parts = split(a, used);
                source = a;
            }
            return parts;
        }

        /** Row views of {@code a} in {@code parts} contiguous, near-equal ranges. */
        static INDArray[] split(INDArray a, int parts) {
            long n = a.rows();
            INDArray[] out = new INDArray[parts];
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                for (int s = 0; s < parts; s++) {
                    out[s] = a.get(NDArrayIndex.interval(s * n / parts, (s + 1) * n / parts), NDArrayIndex.all());
                }
            }
            return out;
        }
    }

    /** Waits for every shard; rethrows the first failure. */
    private static void join(List<Future<?>> shards) {
        RuntimeException first = null;
        for (Future<?> f : shards) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                first = first != null ? first : new IllegalStateException("interrupted while a shard computed", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Error err) {
                    throw err;
                }
                first = first != null ? first : c instanceof RuntimeException re ? re : new IllegalStateException(c);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
