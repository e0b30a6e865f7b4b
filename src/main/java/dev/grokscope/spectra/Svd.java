package dev.grokscope.spectra;

/**
 * A thin singular value decomposition W = U diag(s) V^T of an m x n float64 matrix, k = min(m, n).
 *
 * <p>Columns are the singular vectors: {@code u} is m x k (left vectors u_i = u[.][i]), {@code v} is
 * n x k (right vectors v_i = v[.][i]), {@code s} holds s_1 >= ... >= s_k >= 0. This is the
 * orientation of numpy's {@code U, s, Vh = svd(W)} with V = Vh^T. Signs of a pair (u_i, v_i) are
 * arbitrary, as in every SVD.
 *
 * @param u left singular vectors as columns, m x k
 * @param s singular values, descending
 * @param v right singular vectors as columns, n x k
 */
public record Svd(double[][] u, double[] s, double[][] v) {
    public Svd {
        if (u.length == 0 || v.length == 0) {
            throw new IllegalArgumentException("Svd: U and V must have at least one row");
        }
        if (u[0].length != s.length || v[0].length != s.length) {
            throw new IllegalArgumentException("Svd: U (" + u.length + "x" + u[0].length + ") and V ("
                    + v.length + "x" + v[0].length + ") must have k = " + s.length + " columns");
        }
    }

    /** Number of rows m of W. */
    public int rows() {
        return u.length;
    }

    /** Number of columns n of W. */
    public int cols() {
        return v.length;
    }

    /** Number of singular triplets, k = min(m, n). */
    public int rank() {
        return s.length;
    }
}
