package dev.grokscope.model;

import dev.grokscope.backend.BlasThreads;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * Data parallelism inside one step, as both kernels use it ({@link ShardedKernel}, {@link MlpKernel}): a
 * batch's rows split into contiguous shards that are computed at once, shard 0 on the calling thread and
 * each other on a thread of this pool, one BLAS thread each. ND4J's element-wise ops run on one thread
 * (more cost more than they save on these arrays, {@link dev.grokscope.backend.Backend}), so threading
 * only the BLAS left most of a step on one core.
 *
 * <p>The BLAS runs on one thread while the shards compute ({@link BlasThreads#singleThreaded()}, a lease per
 * call): several threads calling a multi-threaded OpenBLAS queue for its one pool. Batches of fewer than
 * {@value #MIN_ROWS} rows per shard run on shard 0 alone.
 */
final class Shards {
    /** Fewest rows a shard is given; a smaller batch (an epoch's remainder, a small test) runs on shard 0. */
    static final int MIN_ROWS = 32;
    private static final long IDLE_SECONDS = 60;
    private final int count;
    private final ExecutorService pool;

    /** @param count shards, >= 1; {@code name} names the pool's threads */
    Shards(int count, String name) {
        if (count < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + count);
        }
        this.count = count;
        if (count > 1) {
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            ThreadPoolExecutor threads = new ThreadPoolExecutor(count - 1, count - 1, IDLE_SECONDS, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            threads.allowCoreThreadTimeOut(true); // a network no longer used leaves no thread behind
            pool = threads;
        } else {
            pool = null;
        }
    }

    /** The most shards a batch is split into. */
    int count() {
        return count;
    }

    /** How many shards a batch of n rows is split into. */
    int usedFor(long n) {
        return (int) Math.max(1, Math.min(count, n / MIN_ROWS));
    }

    /**
     * Runs {@code work} for shards 0 .. used-1 at once, shard 0 on the calling thread, at one BLAS thread;
     * waits for all and rethrows the first failure.
     */
    void onEvery(int used, IntConsumer work) {
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
    static final class RowViews {
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
