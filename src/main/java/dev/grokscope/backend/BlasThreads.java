package dev.grokscope.backend;

import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs the BLAS single-threaded for a caller that has every other BLAS user paused: the spectra
 * analysis, which then spreads its matrices over every core, one BLAS thread each.
 *
 * <p>Why. ND4J's CPU backend calls the pthreads build of OpenBLAS, whose thread count is one number for
 * the whole process and whose threads are one pool. Several threads calling it at once with a count
 * above one queue for that pool, and each of their many small calls (the level-2 products inside a
 * tridiagonal reduction are threaded at any size) pays for waking and spinning the other cores: on two
 * cores the Nanda snapshot's analysis took 89-103 ms of CPU against 23 at one thread.
 *
 * <p>Only while training is paused. The thread count is process-wide and OpenBLAS's results depend on
 * it in the last bits (a 30-epoch Nanda run at two threads whose products ran single-threaded while a
 * concurrent analysis held the BLAS differed from one that did not from epoch 1 on, by 4e-11 in the
 * loss), so changing it while training computes would make a run's numbers depend on thread timing.
 * Leases nest and count: the count returns to what it was when the last one is closed.
 */
public final class BlasThreads {
    private static int leases;  // open leases; both guarded by the class
    private static int restore; // the count before the first open lease

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
            restore = blas().getMaxThreads();
        }
        leases++;
        set(1);
        return new Lease() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (BlasThreads.class) {
                    if (!closed) {
                        closed = true;
                        leases--;
                        if (leases == 0) {
                            set(restore);
                        }
                    }
                }
            }
        };
    }

    /** The BLAS's thread count now. */
    public static synchronized int current() {
        return blas().getMaxThreads();
    }

    private static void set(int threads) {
        if (blas().getMaxThreads() != threads) {
            blas().setMaxThreads(threads);
        }
    }

    private static Blas blas() {
        return Nd4j.factory().blas();
    }
}
