package dev.grokscope.spectra;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

import java.util.ArrayList;
import java.util.List;

/**
 * Native copies, at a 64-byte boundary, of the Java arrays one OpenBLAS or LAPACK call works on, and its
 * work arrays (the LAPACKE {@code _work} calls, which allocate nothing themselves), copied back into the
 * arrays the call writes when closed. A Java array handed to JNI, and a work array LAPACKE allocates,
 * reach the library at whatever address malloc gave them, and OpenBLAS's kernels round differently with
 * the alignment of their buffers: the same snapshot's singular vectors differed in the last bits from one
 * run to the next, and from thread to thread (sva_prev by up to 2.5e-13; in near-degenerate pairs the
 * vectors themselves by O(1)), so a resumed run's spectra.csv was not the uninterrupted run's. With
 * every buffer at the same alignment a call's result depends on its inputs alone
 * (SpectrumDeterminismTest; two runs of the quickstart and of Nanda write the same bytes).
 *
 * <pre>{@code
 * try (Aligned n = new Aligned()) {
 *     openblas.cblas_dgemm(..., n.in(a), lda, n.in(b), ldb, 0.0, n.inOut(c), ldc);
 * } // c now holds the product
 * }</pre>
 */
final class Aligned implements AutoCloseable {
    static final int ALIGNMENT = 64;

    private final List<Pointer> allocations = new ArrayList<>();
    private final List<Runnable> copyBack = new ArrayList<>();

    /** A copy of {@code a} that the call only reads. */
    DoublePointer in(double[] a) {
        DoublePointer p = doubles(a.length);
        p.put(a, 0, a.length);
        return p;
    }

    /** A copy of {@code a} that the call may write; {@link #close()} copies it back into {@code a}. */
    DoublePointer inOut(double[] a) {
        DoublePointer p = in(a);
        copyBack.add(() -> p.get(a, 0, a.length));
        return p;
    }

    /** Integers the call may write (no rounding depends on where they are); copied back on close. */
    IntPointer inOut(int[] a) {
        IntPointer p = new IntPointer(allocate((long) Math.max(1, a.length) * Integer.BYTES));
        p.put(a, 0, a.length);
        copyBack.add(() -> p.get(a, 0, a.length));
        return p;
    }

    /** Scratch space the call only writes (LAPACK's work arrays), aligned like the rest; not copied back. */
    DoublePointer work(int n) {
        return doubles(n);
    }

    /** Integer scratch space (LAPACK's iwork). */
    IntPointer intWork(int n) {
        return new IntPointer(allocate((long) Math.max(1, n) * Integer.BYTES));
    }

    /** A LAPACK {@code _work} call given its work array and that array's length. */
    @FunctionalInterface
    interface WorkCall {
        int call(DoublePointer work, int lwork);
    }

    /**
     * Makes {@code call} twice: as a workspace query (lwork = -1: LAPACK writes the optimal size into
     * work[0]), then with an aligned work array of that size. Returns LAPACK's info.
     */
    int withWork(WorkCall call) {
        DoublePointer query = doubles(1);
        int info = call.call(query, -1);
        if (info != 0) {
            return info;
        }
        int lwork = queried(query);
        return call.call(doubles(lwork), lwork);
    }

    /** LAPACK's answer to a workspace query: the optimal size it wrote into work[0]. */
    static int queried(DoublePointer work) {
        return Math.max(1, (int) Math.ceil(work.get(0)));
    }

    private DoublePointer doubles(int n) {
        Pointer raw = allocate((long) Math.max(1, n) * Double.BYTES + ALIGNMENT);
        long pad = (ALIGNMENT - raw.address() % ALIGNMENT) % ALIGNMENT; // malloc gives 16: a multiple of 8
        return new DoublePointer(raw).position(pad / Double.BYTES);
    }

    private Pointer allocate(long bytes) {
        Pointer raw = Pointer.malloc(bytes);
        if (raw == null || raw.isNull()) {
            throw new OutOfMemoryError("malloc(" + bytes + ") failed for a LAPACK buffer");
        }
        allocations.add(raw);
        return raw;
    }

    @Override
    public void close() {
        try {
            copyBack.forEach(Runnable::run);
        } finally {
            allocations.forEach(Pointer::free);
            allocations.clear();
            copyBack.clear();
        }
    }
}
