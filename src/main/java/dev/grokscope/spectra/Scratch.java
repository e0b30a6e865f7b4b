package dev.grokscope.spectra;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Reusable float64 work arrays, per thread: a snapshot's matrices go through the same arrays at every
 * epoch instead of allocating them anew. The quickstart's snapshot allocated 2.5 MB of Java heap this
 * way, and the run's full collections for ND4J's native memory are triggered by heap growth
 * ({@code dev.grokscope.backend.NativeMemory}): spectra every epoch multiplied those collections by 3-4.
 *
 * <p>Arrays have exactly the requested length and are keyed by purpose and length, so the few shapes of
 * a run each keep one array per purpose. Contents are whatever the last user left ({@link #zeroed} clears
 * them): callers overwrite before reading, and nothing returned to a caller outside this package may
 * alias one.
 */
final class Scratch {
    /** What an array is for; two purposes in one computation never share an array. */
    enum Use {
        /** A matrix's entries as a flat row-major copy (read only once filled). */
        MATRIX,
        /** The Gram matrix, overwritten by the tridiagonal reduction. */
        GRAM,
        /** A copy that LAPACK overwrites (values-only {@code dgesdd}). */
        LAPACK_INPUT
    }

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private final Map<Use, Map<Integer, double[]>> arrays = new EnumMap<>(Use.class);

    private Scratch() {
    }

    /** This thread's array of exactly {@code length} doubles for {@code use}; its contents are stale. */
    static double[] get(Use use, int length) {
        return LOCAL.get().arrays.computeIfAbsent(use, u -> new HashMap<>())
                .computeIfAbsent(length, double[]::new);
    }

    /**
     * {@link #get}, zeroed: for an array a routine fills only in part (dsyrk's one triangle of the Gram)
     * and that is then copied whole to LAPACK ({@link Aligned}): the unwritten part holds the same zeros
     * on every thread instead of whatever this thread's previous snapshot left there.
     */
    static double[] zeroed(Use use, int length) {
        double[] a = get(use, length);
        java.util.Arrays.fill(a, 0.0);
        return a;
    }

    /** {@code a} copied into this thread's array for {@code use}. */
    static double[] copy(Use use, double[] a) {
        double[] c = get(use, a.length);
        System.arraycopy(a, 0, c, 0, a.length);
        return c;
    }
}
