package dev.grokscope.spectra;

/**
 * One way of computing an SVD of a float64 matrix. Routes may be wrong (that is why there are
 * several): {@link SingularValues} verifies every result with {@link SpectrumCheck} and falls back to
 * the next route.
 */
interface SvdRoute {
    /** Short name for log messages, e.g. {@code "lapack-qr-gesvd"}. */
    String name();

    /** All min(m, n) singular values of {@code w} (row-major, m x n, finite), descending. */
    double[] values(double[][] w);

    /** The thin SVD of {@code w}. */
    Svd full(double[][] w);
}
