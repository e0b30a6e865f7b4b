package dev.grokscope.backend;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.presets.openblas_nolapack;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The BLAS's thread count: one number for the whole process, and a lease that runs the BLAS
 * single-threaded for a while (a sharded network's step, the spectra analysis while training waits).
 *
 * <p>Why leases. ND4J's CPU backend calls the pthreads build of OpenBLAS, whose thread count is one number
 * for the whole process and whose threads are one pool. Several threads calling it at once with a count
 * above one queue for that pool, and each of their many small calls (the level-2 products inside a
 * tridiagonal reduction are threaded at any size) pays for waking and spinning the other cores: on two
 * cores the Nanda snapshot's analysis took 89-103 ms of CPU against 23 at one thread. The count is
 * process-wide and OpenBLAS's results depend on it in the last bits, so a lease is taken only while no
 * other thread computes with a different count (a 30-epoch Nanda run whose products ran single-threaded
 * at moments set by a concurrent analysis differed from one that did not by 4e-11 in the loss).
 * Leases nest and count: the count returns to what it was when the last one is closed.
 *
 * <p>Cost. ND4J's {@code Blas.setMaxThreads} looks OpenBLAS's and MKL's setters up by name
 * ({@code Loader.addressof}, a symbol search) at every call: 1.1 ms for a set-and-restore pair on this
 * project's 2-core machine, paid by every sharded step. Here {@code openblas_set_num_threads} is looked up
 * once and called through a cached function pointer (~0.1 us a pair); the count is tracked here, as
 * nothing else in the process sets it. A BLAS without that symbol (MKL, a GPU backend) goes through ND4J.
 */
public final class BlasThreads {
    /** {@code openblas_set_num_threads}, or null when the BLAS in use has none. */
    private static final openblas_nolapack.SetNumThreads SETTER = setter();
    private static int threads = -1; // the count now; guarded by the class, read from the BLAS on first use
    private static int leases;       // open leases
    private static int restore;      // the count before the first open lease

    private BlasThreads() {
    }

    /** A held setting; closing it restores the count (once, however often it is closed). */
    public interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /** One BLAS thread until the lease is closed. */
    public static synchronized Lease singleThreaded() {
        if (leases == 0) {
            restore = current();
        }
        leases++;
        apply(1);
        return new Lease() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (BlasThreads.class) {
                    if (!closed) {
                        closed = true;
                        leases--;
                        if (leases == 0) {
                            apply(restore);
                        }
                    }
                }
            }
        };
    }

    /** The BLAS's thread count now. */
    public static synchronized int current() {
        if (threads < 0) {
            threads = Nd4j.factory().blas().getMaxThreads();
        }
        return threads;
    }

    /**
     * Sets the count for the whole process: the one way to set it (a count set through ND4J's
     * {@code Blas.setMaxThreads} directly is not seen here).
     *
     * @throws IllegalStateException while a lease is open
     */
    public static synchronized void set(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("BLAS threads must be >= 1, got " + count);
        }
        if (leases > 0) {
            throw new IllegalStateException("the BLAS is leased single-threaded; set the count after the lease");
        }
        apply(count);
    }

    private static void apply(int count) {
        if (current() == count) {
            return;
        }
        if (SETTER != null) {
            SETTER.call(count);
        } else {
            Nd4j.factory().blas().setMaxThreads(count);
        }
        threads = count;
    }

    private static openblas_nolapack.SetNumThreads setter() {
        if (!"CpuBackend".equals(Nd4j.getBackend().getClass().getSimpleName())) {
            return null;
        }
        Nd4j.factory().blas(); // loads the BLAS, so that its symbols can be found
        Pointer address = Loader.addressof("openblas_set_num_threads");
        if (address == null || address.isNull()) {
            return null;
        }
        openblas_nolapack.SetNumThreads f = new openblas_nolapack.SetNumThreads() { };
        return f.put(address);
    }
}
