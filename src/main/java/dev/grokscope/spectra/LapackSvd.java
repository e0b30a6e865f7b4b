package dev.grokscope.spectra;

import org.nd4j.linalg.api.blas.Lapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SVD on ND4J's backend in float64: QR-reduce to a square matrix, then LAPACK {@code dgesvd}.
 *
 * <p>With the tall orientation A (m x n, m >= n; a wide W is transposed first), {@code geqrf} gives
 * A = Q R with Q m x n orthonormal and R n x n upper triangular, so A and R have the same singular
 * values, and A = (Q U_R) diag(s) V^T from R = U_R diag(s) V^T. {@code dgesvd} then only ever sees a
 * square matrix.
 *
 * <p>Why this detour (an M2.1 workaround): the project's notes on DL4J 1.0.0-M2.1 report ND4J M2.1's float64
 * {@code gesvd} silently wrong on larger non-square matrices (512x2048, 256x1024, 400x1600: sum s^2 off
 * by 1.16x to 325x) and correct on square ones. On this project's machines the direct call was
 * measured correct on those shapes (relative error to numpy ~3e-15), so the fault is
 * environment-dependent; the square-only route avoids the reported failure at ~1.3-2.5x the cost, and
 * every result is verified anyway. {@code Nd4j.linalg().svd} is broken in M2.1 and not used.
 *
 * <p>ND4J's {@code gesvd} overwrites its input and reads the raw buffer ignoring view offsets, and
 * {@code geqrf} overwrites A with Q: every call gets a fresh {@code dup('f')}.
 */
final class LapackSvd implements SvdRoute {
    private final boolean direct;

    /** The QR-first route (square gesvd only). */
    LapackSvd() {
        this(false);
    }

    /**
     * @param direct values by {@code dgesvd} on the (tall) matrix itself, without the QR step: ~2x
     *     faster on the shapes of a grokking run, and correct on every shape measured here; the
     *     verification in {@link SingularValues} catches the failure the notes report, and the QR
     *     route follows it then. Vectors ({@link #full}) always take the QR route (a thin U).
     */
    LapackSvd(boolean direct) {
        this.direct = direct;
    }

    @Override
    public String name() {
        return direct ? "lapack-dgesvd" : "lapack-qr-dgesvd";
    }

    @Override
    public double[] values(double[][] w) {
        INDArray r = direct ? tall(w) : squareFactor(tall(w), null);
        INDArray s = Nd4j.create(DataType.DOUBLE, Math.min(r.rows(), r.columns())); // k values, not m
        lapack().gesvd(r, s, null, null);
        return s.toDoubleVector();
    }

    @Override
    public Svd full(double[][] w) {
        boolean wide = w.length < w[0].length;
        INDArray a = tall(w);
        int n = a.columns();
        INDArray[] q = new INDArray[1];
        INDArray r = squareFactor(a, q);
        INDArray s = Nd4j.create(DataType.DOUBLE, n);
        INDArray ur = Nd4j.create(DataType.DOUBLE, new long[] {n, n}, 'f');
        INDArray vt = Nd4j.create(DataType.DOUBLE, new long[] {n, n}, 'f');
        lapack().gesvd(r, s, ur, vt);
        INDArray u = q[0] == null ? ur : q[0].mmul(ur);
        double[][] uArr = Matrices.rows(u);
        double[][] vArr = Matrices.rows(vt.transpose());
        double[] sArr = s.toDoubleVector();
        return wide ? new Svd(vArr, sArr, uArr) : new Svd(uArr, sArr, vArr);
    }

    /** The tall orientation of {@code w} as a fresh float64 'f'-order array. */
    private static INDArray tall(double[][] w) {
        double[][] t = w.length < w[0].length ? Matrices.transpose(w) : w;
        return Matrices.toNd4j(t, 'f');
    }

    /**
     * The square matrix handed to gesvd: A itself if square, else R of A = Q R (fresh 'f' order). If
     * {@code qOut} is not null, {@code qOut[0]} receives Q (m x n), or null when A is square.
     */
    private static INDArray squareFactor(INDArray a, INDArray[] qOut) {
        int m = a.rows();
        int n = a.columns();
        if (m == n) {
            return a;
        }
        INDArray r = Nd4j.create(DataType.DOUBLE, new long[] {n, n}, 'f');
        lapack().geqrf(a, r); // a now holds Q
        if (qOut != null) {
            qOut[0] = a;
        }
        return r.dup('f');
    }

    private static Lapack lapack() {
        return Nd4j.getBlasWrapper().lapack();
    }
}
