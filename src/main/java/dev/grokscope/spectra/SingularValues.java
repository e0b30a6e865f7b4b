package dev.grokscope.spectra;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Singular values (and, on request, vectors) of a 2-D matrix in float64, verified before they are
 * returned.
 *
 * <p>s_1 >= ... >= s_k >= 0, k = min(m, n), are the square roots of the eigenvalues of W^T W (the
 * empirical spectral density that WeightWatcher fits is lambda_i = s_i^2).
 *
 * <p>Routes, in order: (0) LAPACK's divide-and-conquer {@code dgesdd} on OpenBLAS directly
 * ({@link GesddSvd}; fastest, values and vectors); (1) ND4J/LAPACK float64 {@code dgesvd} on the matrix
 * itself (values only); (2) the same QR-reduced to a square matrix first ({@link LapackSvd}; ND4J M2.1's float64
 * gesvd is reported wrong on larger non-square input, which the verification below detects); (3) a
 * pure-Java one-sided Jacobi SVD ({@link JacobiSvd}), independent of the native
 * libraries. Every result goes through {@link SpectrumCheck}; a failed check or a crash logs a warning
 * and tries the next route, and if every route fails a {@link SpectrumException} names the shape and
 * the violated check. A wrong spectrum is never returned silently.
 */
public final class SingularValues {
    private static final Logger LOG = LoggerFactory.getLogger(SingularValues.class);
    private static final List<SvdRoute> ROUTES = List.of(new GesddSvd(), new LapackSvd(true), new LapackSvd(),
            new JacobiSvd());

    private SingularValues() {
    }

    /**
     * All min(m, n) singular values of a 2-D matrix of any dtype, order or view, in float64, descending.
     *
     * @throws IllegalArgumentException if {@code w} is not 2-D, is empty, or has NaN/Inf entries
     * @throws SpectrumException if no route produces a spectrum that passes verification
     */
    public static double[] of(INDArray w) {
        return of(Matrices.toArray(w));
    }

    /**
     * All min(m, n) singular values of a row-major matrix {@code w[m][n]}, descending.
     *
     * @throws IllegalArgumentException if {@code w} is empty, ragged, or has NaN/Inf entries
     * @throws SpectrumException if no route produces a spectrum that passes verification
     */
    public static double[] of(double[][] w) {
        Matrices.requireFinite(w);
        return of(w, ROUTES);
    }

    /**
     * The thin SVD W = U diag(s) V^T in float64, verified (values, reconstruction, orthonormality).
     *
     * @throws IllegalArgumentException if {@code w} is not 2-D, is empty, or has NaN/Inf entries
     * @throws SpectrumException if no route produces a decomposition that passes verification
     */
    public static Svd full(INDArray w) {
        return full(Matrices.toArray(w));
    }

    /** {@link #full(INDArray)} for a row-major {@code double[m][n]}. */
    public static Svd full(double[][] w) {
        Matrices.requireFinite(w);
        return full(w, ROUTES);
    }

    /**
     * Every singular value and the {@code t} leading singular triplets (fewer if min(m, n) < t), each
     * verified: what a training snapshot needs, at a fraction of a full SVD's cost ({@link GramSpectrum}
     * says how and when it falls back to {@code dgesdd}).
     *
     * @throws IllegalArgumentException if {@code w} is not 2-D, is empty, or has NaN/Inf entries, or t < 1
     * @throws SpectrumException if no route produces a spectrum that passes verification
     */
    public static Spectrum spectrum(INDArray w, int t) {
        if (t < 1) {
            throw new IllegalArgumentException("t (leading triplets) must be >= 1, got " + t);
        }
        return GramSpectrum.of(Matrices.toFlat(w), (int) w.rows(), (int) w.columns(), t);
    }

    /**
     * {@link #spectrum(INDArray, int)} for a row-major m x n array {@code a[i * n + j]} (read, not modified):
     * what a training snapshot holds.
     *
     * @throws IllegalArgumentException if the shape does not match, or an entry is not finite, or t < 1
     */
    public static Spectrum spectrum(double[] a, int m, int n, int t) {
        if (m < 1 || n < 1 || a.length != (long) m * n) {
            throw new IllegalArgumentException("W must be a non-empty " + m + "x" + n + " matrix, got " + a.length
                    + " entries");
        }
        if (t < 1) {
            throw new IllegalArgumentException("t (leading triplets) must be >= 1, got " + t);
        }
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) {
                throw new IllegalArgumentException("W (" + m + "x" + n + ") must be finite, entry [" + i / n + ","
                        + i % n + "] is " + a[i]);
            }
        }
        return GramSpectrum.of(a, m, n, t);
    }

    /** {@link #spectrum(INDArray, int)} for a row-major {@code double[m][n]}. */
    public static Spectrum spectrum(double[][] w, int t) {
        Matrices.requireFinite(w);
        if (t < 1) {
            throw new IllegalArgumentException("t (leading triplets) must be >= 1, got " + t);
        }
        return GramSpectrum.of(w, t);
    }

    /** Values through the given routes, in order; package-private so tests can inject a wrong route. */
    static double[] of(double[][] w, List<SvdRoute> routes) {
        double fro2 = Matrices.frobeniusSquared(w);
        StringBuilder failures = new StringBuilder();
        for (SvdRoute route : routes) {
            try {
                double[] s = route.values(w);
                SpectrumCheck.verifyValues(s, w.length, w[0].length, fro2);
                return s;
            } catch (RuntimeException e) {
                failures.append(failures.length() == 0 ? "" : "; ").append(route.name()).append(": ")
                        .append(e.getMessage());
                LOG.warn("singular values of a {} matrix: route {} failed ({}); falling back",
                        Matrices.shape(w), route.name(), e.getMessage());
            }
        }
        throw new SpectrumException("singular values of a " + Matrices.shape(w) + " matrix: every route failed: "
                + failures);
    }

    /** Full SVD through the given routes, in order. */
    static Svd full(double[][] w, List<SvdRoute> routes) {
        StringBuilder failures = new StringBuilder();
        for (SvdRoute route : routes) {
            try {
                Svd svd = route.full(w);
                SpectrumCheck.verifyFull(svd, w);
                return svd;
            } catch (RuntimeException e) {
                failures.append(failures.length() == 0 ? "" : "; ").append(route.name()).append(": ")
                        .append(e.getMessage());
                LOG.warn("SVD of a {} matrix: route {} failed ({}); falling back",
                        Matrices.shape(w), route.name(), e.getMessage());
            }
        }
        throw new SpectrumException("SVD of a " + Matrices.shape(w) + " matrix: every route failed: " + failures);
    }
}
