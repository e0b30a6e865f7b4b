package dev.grokscope.spectra;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Verifies a computed spectrum before anyone may use it.
 *
 * <p>Checks on singular values s of an m x n matrix W: there are exactly k = min(m, n) of them; each is
 * finite and non-negative; they are sorted descending; and they carry all of W's energy,
 * sum_i s_i^2 = ||W||_F^2, within a relative tolerance of {@value #ENERGY_RTOL} (a float64 SVD gets
 * ~1e-14; the M2.1 float64 gesvd failures seen on M2.1 (notes kept outside this project) were off by 16% to
 * 325x). The energy identity cannot catch every wrong answer (a wrong spectrum with the right sum
 * passes), but it catches the failures seen, at O(mn) cost.
 *
 * <p>For a full decomposition it also checks the reconstruction ||W - U diag(s) V^T||_F and the
 * orthonormality of U's and V's columns, both to {@value #FACTOR_RTOL}.
 */
public final class SpectrumCheck {
    /** Relative tolerance of sum s^2 against ||W||_F^2 for float64. */
    public static final double ENERGY_RTOL = 1e-8;
    /** Relative tolerance of the reconstruction and absolute tolerance of U^T U = I, V^T V = I. */
    public static final double FACTOR_RTOL = 1e-9;

    private SpectrumCheck() {
    }

    /**
     * Verifies singular values of an m x n matrix with squared Frobenius norm {@code frobeniusSquared}.
     *
     * @throws SpectrumException naming the shape and the first violated check
     */
    public static void verifyValues(double[] s, int rows, int cols, double frobeniusSquared) {
        String shape = rows + "x" + cols;
        int k = Math.min(rows, cols);
        if (s == null || s.length != k) {
            throw new SpectrumException(shape + ": expected k = min(m, n) = " + k + " singular values, got "
                    + (s == null ? "none" : s.length));
        }
        double energy = 0;
        for (int i = 0; i < k; i++) {
            if (!Double.isFinite(s[i])) {
                throw new SpectrumException(shape + ": singular values must be finite, s[" + i + "] = " + s[i]);
            }
            if (s[i] < 0) {
                throw new SpectrumException(shape + ": singular values must be >= 0, s[" + i + "] = " + s[i]);
            }
            if (i > 0 && s[i] > s[i - 1]) {
                throw new SpectrumException(shape + ": singular values must be sorted descending, s[" + (i - 1)
                        + "] = " + s[i - 1] + " < s[" + i + "] = " + s[i]);
            }
            energy += s[i] * s[i];
        }
        double err = Math.abs(energy - frobeniusSquared);
        if (err > ENERGY_RTOL * frobeniusSquared) {
            throw new SpectrumException(String.format(
                    "%s: sum of s^2 = %.17g but ||W||_F^2 = %.17g (relative error %.2e > %.0e)",
                    shape, energy, frobeniusSquared,
                    frobeniusSquared == 0 ? Double.POSITIVE_INFINITY : err / frobeniusSquared, ENERGY_RTOL));
        }
    }

    /**
     * Verifies a full decomposition of {@code w}: the values as in {@link #verifyValues}, then
     * ||W - U diag(s) V^T||_F <= {@value #FACTOR_RTOL} * max(||W||_F, tiny) and
     * max |U^T U - I| and max |V^T V - I| <= {@value #FACTOR_RTOL} * max(1, sqrt(k)) (the products use
     * ND4J gemm).
     *
     * @throws SpectrumException naming the shape and the first violated check
     */
    public static void verifyFull(Svd svd, double[][] w) {
        int m = w.length;
        int n = w[0].length;
        String shape = m + "x" + n;
        if (svd.rows() != m || svd.cols() != n) {
            throw new SpectrumException(shape + ": decomposition has shape " + svd.rows() + "x" + svd.cols());
        }
        double fro2 = Matrices.frobeniusSquared(w);
        verifyValues(svd.s(), m, n, fro2);
        int k = svd.rank();
        INDArray u = Matrices.toNd4j(svd.u(), 'c');
        INDArray v = Matrices.toNd4j(svd.v(), 'c');
        INDArray s = Nd4j.createFromArray(svd.s()).reshape(1, k);
        INDArray us = u.mulRowVector(s);
        INDArray residual = us.mmul(v.transpose()).subi(Matrices.toNd4j(w, 'c'));
        double res = residual.norm2Number().doubleValue();
        double scale = Math.max(Math.sqrt(fro2), Double.MIN_NORMAL);
        if (!(res <= FACTOR_RTOL * scale)) {
            throw new SpectrumException(String.format(
                    "%s: reconstruction ||W - U S V^T||_F / ||W||_F = %.2e > %.0e", shape, res / scale, FACTOR_RTOL));
        }
        checkOrthonormal(u, "U", shape, k);
        checkOrthonormal(v, "V", shape, k);
    }

    /**
     * Verifies t leading singular triplets of {@code w}: ||W v_i - s_i u_i|| and ||W^T u_i - s_i v_i|| each
     * <= {@value #FACTOR_RTOL} * max(||W||_F, tiny) for every i < t, and max |U^T U - I|, max |V^T V - I|
     * over the t columns <= {@value #FACTOR_RTOL} * max(1, sqrt(t)). Together these make (u_i, s_i, v_i)
     * singular triplets of W to that accuracy (which the leading ones are is up to the caller: their
     * s_i are the verified leading values). The products are OpenBLAS dgemm.
     *
     * @throws SpectrumException naming the shape, the triplet and the violated check
     */
    public static void verifyTop(Svd top, double[][] w) {
        verifyTop(top, Matrices.flatten(w), w.length, w[0].length);
    }

    /** {@link #verifyTop(Svd, double[][])} for a row-major m x n array {@code a[i * n + j]}. */
    static void verifyTop(Svd top, double[] a, int m, int n) {
        if (top.rows() != m || top.cols() != n) {
            throw new SpectrumException(m + "x" + n + ": triplets have shape " + top.rows() + "x" + top.cols());
        }
        int t = top.rank();
        double[] wv = OpenBlas.multiply(a, m, n, false, Matrices.flatten(top.v()), t); // m x t
        double[] wtu = OpenBlas.multiply(a, m, n, true, Matrices.flatten(top.u()), t); // n x t
        verifyTop(top, wv, wtu, m, n, Matrices.frobeniusSquared(a, m, n));
    }

    /**
     * {@link #verifyTop(Svd, double[][])} given the products W V (row-major m x t) and W^T U (n x t) of an
     * m x n matrix W with ||W||_F^2 = {@code frobeniusSquared}: for a caller that has computed one of them
     * already (the Gram route makes one side's vectors from the other's that way).
     */
    static void verifyTop(Svd top, double[] wv, double[] wtu, int m, int n, double frobeniusSquared) {
        String shape = m + "x" + n;
        if (top.rows() != m || top.cols() != n) {
            throw new SpectrumException(shape + ": triplets have shape " + top.rows() + "x" + top.cols());
        }
        int t = top.rank();
        double[] u = Matrices.flatten(top.u());
        double[] v = Matrices.flatten(top.v());
        double scale = Math.max(Math.sqrt(frobeniusSquared), Double.MIN_NORMAL);
        for (int i = 0; i < t; i++) {
            double s = top.s()[i];
            double r1 = residual(wv, u, m, t, i, s);
            double r2 = residual(wtu, v, n, t, i, s);
            double r = Math.max(r1, r2);
            if (!(r <= FACTOR_RTOL * scale)) {
                throw new SpectrumException(String.format(
                        "%s: triplet %d: max(||W v - s u||, ||W^T u - s v||) / ||W||_F = %.2e > %.0e",
                        shape, i, r / scale, FACTOR_RTOL));
            }
        }
        checkOrthonormal(u, m, t, "U", shape);
        checkOrthonormal(v, n, t, "V", shape);
    }

    /** ||p_i - s q_i|| for column i of row-major rows x t arrays p and q. */
    private static double residual(double[] p, double[] q, int rows, int t, int i, double s) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            double d = p[r * t + i] - s * q[r * t + i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    private static void checkOrthonormal(double[] q, int rows, int t, String name, String shape) {
        double dev = 0;
        for (int i = 0; i < t; i++) {
            for (int j = i; j < t; j++) {
                double d = 0;
                for (int r = 0; r < rows; r++) {
                    d += q[r * t + i] * q[r * t + j];
                }
                dev = Math.max(dev, Math.abs(d - (i == j ? 1 : 0)));
            }
        }
        if (!(dev <= FACTOR_RTOL * Math.max(1, Math.sqrt(t)))) {
            throw new SpectrumException(String.format(
                    "%s: the %d leading columns of %s must be orthonormal, max |%s^T %s - I| = %.2e", shape, t, name,
                    name, name, dev));
        }
    }

    private static void checkOrthonormal(INDArray q, String name, String shape, int k) {
        INDArray gram = q.transpose().mmul(q).subi(Nd4j.eye(k).castTo(DataType.DOUBLE));
        double dev = Math.max(gram.maxNumber().doubleValue(), -gram.minNumber().doubleValue());
        if (!(dev <= FACTOR_RTOL * Math.max(1, Math.sqrt(k)))) {
            throw new SpectrumException(String.format(
                    "%s: columns of %s must be orthonormal, max |%s^T %s - I| = %.2e", shape, name, name, name, dev));
        }
    }
}
