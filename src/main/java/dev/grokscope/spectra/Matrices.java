package dev.grokscope.spectra;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small float64 helpers shared by the SVD routes: conversion, shape checks, Frobenius norm. */
final class Matrices {
    private Matrices() {
    }

    /**
     * Copies a 2-D array of any dtype and order (views included) into a float64 row-major
     * {@code double[rows][cols]}.
     *
     * @throws IllegalArgumentException if {@code w} is not 2-D, is empty, or has a non-finite entry
     */
    static double[][] toArray(INDArray w) {
        if (w == null) {
            throw new IllegalArgumentException("W must not be null");
        }
        if (w.rank() != 2) {
            throw new IllegalArgumentException("W must be a 2-D matrix, got rank " + w.rank()
                    + " with shape " + java.util.Arrays.toString(w.shape()));
        }
        if (w.rows() == 0 || w.columns() == 0) {
            throw new IllegalArgumentException("W must be non-empty, got " + w.rows() + "x" + w.columns());
        }
        double[][] a = rows(w);
        requireFinite(a);
        return a;
    }

    /**
     * A fresh float64 INDArray of a row-major matrix, in {@code order}. One bulk copy:
     * {@code Nd4j.createFromArray(double[][])} and {@code toDoubleMatrix()} go element by element and
     * cost more than the SVD itself on the matrices of a grokking run.
     */
    static org.nd4j.linalg.api.ndarray.INDArray toNd4j(double[][] w, char order) {
        int m = w.length;
        int n = w[0].length;
        double[] flat = new double[m * n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(w[i], 0, flat, i * n, n);
        }
        org.nd4j.linalg.api.ndarray.INDArray a = org.nd4j.linalg.factory.Nd4j.create(flat, new long[] {m, n}, 'c');
        return order == 'c' ? a : a.dup(order);
    }

    /**
     * A row-major float64 copy of a 2-D array of any dtype, order or view, as one array
     * {@code a[i * n + j]}: one conversion pass for a fresh 'c'-order array (what snapshots hold). The
     * copy is this thread's {@link Scratch.Use#MATRIX} array for that size: valid until the thread's next
     * call with a matrix of the same size.
     *
     * @throws IllegalArgumentException if {@code w} is not 2-D, is empty, or has a non-finite entry
     */
    static double[] toFlat(INDArray w) {
        if (w == null || w.rank() != 2 || w.rows() == 0 || w.columns() == 0) {
            toArray(w); // throws, naming the rule
        }
        boolean direct = w.ordering() == 'c' && !w.isView() && w.offset() == 0 && w.data().length() == w.length();
        INDArray c = direct ? w : w.dup('c');
        double[] a = Scratch.get(Scratch.Use.MATRIX, Math.toIntExact(w.length()));
        try {
            switch (c.dataType()) {
                case DOUBLE -> c.data().asNioDouble().get(a);
                case FLOAT -> {
                    java.nio.FloatBuffer f = c.data().asNioFloat();
                    for (int i = 0; i < a.length; i++) {
                        a[i] = f.get(i);
                    }
                }
                default -> System.arraycopy(c.data().asDouble(), 0, a, 0, a.length);
            }
        } finally {
            if (!direct) {
                c.close();
            }
        }
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException("W (" + w.rows() + "x" + w.columns() + ") must be finite, entry ["
                        + i / w.columns() + "," + i % w.columns() + "] is " + a[i]);
            }
        }
        return a;
    }

    /** A row-major array {@code a[i * n + j]} as {@code double[m][n]}. */
    static double[][] unflatten(double[] a, int m, int n) {
        double[][] w = new double[m][n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(a, i * n, w[i], 0, n);
        }
        return w;
    }

    /** ||A||_F^2 of a row-major m x n array, accumulated per row as {@link #frobeniusSquared(double[][])}. */
    static double frobeniusSquared(double[] a, int m, int n) {
        double total = 0;
        for (int i = 0; i < m; i++) {
            double r = 0;
            for (int j = i * n, end = j + n; j < end; j++) {
                r += a[j] * a[j];
            }
            total += r;
        }
        return total;
    }

    /** The row-major matrix as one row-major array, {@code a[i * n + j] = w[i][j]}. */
    static double[] flatten(double[][] w) {
        int m = w.length;
        int n = w[0].length;
        double[] flat = new double[m * n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(w[i], 0, flat, i * n, n);
        }
        return flat;
    }

    /** Row-major copy of a 2-D INDArray (bulk). */
    static double[][] rows(org.nd4j.linalg.api.ndarray.INDArray a) {
        int m = (int) a.rows();
        int n = (int) a.columns();
        double[] flat = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[][] out = new double[m][n];
        for (int i = 0; i < m; i++) {
            System.arraycopy(flat, i * n, out[i], 0, n);
        }
        return out;
    }

    /**
     * Checks that {@code w} is a non-empty rectangular matrix with finite entries.
     *
     * @throws IllegalArgumentException naming the first broken rule
     */
    static void requireFinite(double[][] w) {
        if (w == null || w.length == 0 || w[0] == null || w[0].length == 0) {
            throw new IllegalArgumentException("W must be a non-empty matrix");
        }
        int n = w[0].length;
        for (int i = 0; i < w.length; i++) {
            if (w[i].length != n) {
                throw new IllegalArgumentException("W must be rectangular: row " + i + " has "
                        + w[i].length + " entries, row 0 has " + n);
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(w[i][j])) {
                    throw new IllegalArgumentException("W (" + shape(w) + ") must be finite, entry ["
                            + i + "," + j + "] is " + w[i][j]);
                }
            }
        }
    }

    /** Squared Frobenius norm ||W||_F^2 = sum_ij W_ij^2, accumulated per row to limit rounding. */
    static double frobeniusSquared(double[][] w) {
        double total = 0;
        for (double[] row : w) {
            double r = 0;
            for (double x : row) {
                r += x * x;
            }
            total += r;
        }
        return total;
    }

    /** Transpose of a row-major matrix. */
    static double[][] transpose(double[][] w) {
        int m = w.length;
        int n = w[0].length;
        double[][] t = new double[n][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                t[j][i] = w[i][j];
            }
        }
        return t;
    }

    /** "m x n" as text, e.g. {@code 512x2048}, for messages. */
    static String shape(double[][] w) {
        return w.length + "x" + w[0].length;
    }
}
