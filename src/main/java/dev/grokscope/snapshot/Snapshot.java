package dev.grokscope.snapshot;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The first stage of the pipeline: copies of a network's weight matrices at one point of training, in
 * float64 and row-major (fan_in x fan_out, as {@code h = x W}), taken on the training thread between two
 * steps so that the analysis can run while training goes on.
 *
 * <p>One pass per matrix: each entry is read from the array's native buffer through its offset and
 * strides (any order, any view: a DL4J layer's 'f'-ordered parameter view included), converted and
 * checked for finiteness, with no ND4J op, temporary array or native allocation. On the quickstart's two
 * matrices that replaced an ND4J {@code dup} and two reductions per matrix (the finiteness check) that cost
 * the training thread 2.1 ms per epoch. Other dtypes (half, bfloat16) go through a float64 copy.
 */
public final class Snapshot {
    private final int epoch;
    private final List<Matrix> matrices;
    private final String nonFinite;

    /**
     * One weight matrix: {@code values[i * cols + j]} = W_ij.
     *
     * @param name the matrix's stable name ({@code layers.0.W}, {@code dense_1.W})
     */
    public record Matrix(String name, int rows, int cols, double[] values) {
        public Matrix {
            if (rows < 1 || cols < 1 || values.length != (long) rows * cols) {
                throw new IllegalArgumentException(name + ": " + values.length + " values for a " + rows + "x" + cols
                        + " matrix");
            }
        }
    }

    private Snapshot(int epoch, List<Matrix> matrices, String nonFinite) {
        this.epoch = epoch;
        this.matrices = List.copyOf(matrices);
        this.nonFinite = nonFinite;
    }

    /**
     * Copies live matrices (2-D, non-empty; any dtype, order or view), in the map's order. A matrix with
     * a NaN or infinite entry is copied too; {@link #nonFinite()} names the first.
     *
     * @throws IllegalArgumentException if a matrix is not 2-D or is empty
     */
    public static Snapshot take(int epoch, Map<String, INDArray> live) {
        return take(epoch, live, double[]::new);
    }

    /**
     * {@link #take(int, Map)} into arrays from {@code arrays} (given a length, an array of exactly that
     * length, whose contents are overwritten): the pipeline recycles those of finished snapshots.
     */
    static Snapshot take(int epoch, Map<String, INDArray> live, java.util.function.IntFunction<double[]> arrays) {
        List<Matrix> out = new ArrayList<>(live.size());
        String nonFinite = null;
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            Matrix m = copy(e.getKey(), e.getValue(), arrays);
            if (nonFinite == null && !finite(m.values())) {
                nonFinite = e.getKey();
            }
            out.add(m);
        }
        return new Snapshot(epoch, out, nonFinite);
    }

    /** A snapshot of matrices already copied (tests, and states read back from disk). */
    public static Snapshot of(int epoch, List<Matrix> matrices) {
        String nonFinite = matrices.stream().filter(m -> !finite(m.values())).map(Matrix::name).findFirst().orElse(null);
        return new Snapshot(epoch, matrices, nonFinite);
    }

    /** The snapshot's position in training: an epoch, or an iteration for an iteration cadence. */
    public int epoch() {
        return epoch;
    }

    /** The matrices, in the network's order. */
    public List<Matrix> matrices() {
        return matrices;
    }

    /** The first matrix with a NaN or infinite entry, or null when every entry is finite. */
    public String nonFinite() {
        return nonFinite;
    }

    private static Matrix copy(String name, INDArray w, java.util.function.IntFunction<double[]> arrays) {
        if (w == null || w.rank() != 2 || w.rows() == 0 || w.columns() == 0) {
            throw new IllegalArgumentException(name + ": a weight matrix must be 2-D and non-empty, got "
                    + (w == null ? "null" : java.util.Arrays.toString(w.shape())));
        }
        int m = Math.toIntExact(w.rows());
        int n = Math.toIntExact(w.columns());
        double[] a = arrays.apply(Math.multiplyExact(m, n));
        DataType type = w.dataType();
        if (type == DataType.FLOAT || type == DataType.DOUBLE) {
            read(w, a, m, n);
        } else {
            INDArray d = w.castTo(DataType.DOUBLE).dup('c');
            try {
                read(d, a, m, n);
            } finally {
                d.close();
            }
        }
        return new Matrix(name, m, n, a);
    }

    /** Entry (i, j) of a float or double array is element offset + i s0 + j s1 of its whole buffer. */
    private static void read(INDArray w, double[] a, int m, int n) {
        long off = w.offset();
        long s0 = w.stride(0);
        long s1 = w.stride(1);
        if (w.dataType() == DataType.FLOAT) {
            java.nio.FloatBuffer b = w.data().asNioFloat();
            for (int i = 0; i < m; i++) {
                long row = off + i * s0;
                for (int j = 0; j < n; j++) {
                    a[i * n + j] = b.get((int) (row + j * s1));
                }
            }
        } else {
            java.nio.DoubleBuffer b = w.data().asNioDouble();
            for (int i = 0; i < m; i++) {
                long row = off + i * s0;
                for (int j = 0; j < n; j++) {
                    a[i * n + j] = b.get((int) (row + j * s1));
                }
            }
        }
    }

    private static boolean finite(double[] a) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
