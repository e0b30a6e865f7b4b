package dev.grokscope.spectra;

/**
 * SVD by LAPACK's divide-and-conquer {@code dgesdd} in float64, called on OpenBLAS directly
 * ({@link OpenBlas}). The first route of {@link SingularValues}: 3-10x faster than the QR + {@code dgesvd}
 * route through ND4J's wrapper on the matrices of a grokking run (most of that was ND4J array copies and
 * {@code dgesvd}'s QR iteration for the vectors), and like every route verified before use.
 */
final class GesddSvd implements SvdRoute {
    @Override
    public String name() {
        return "openblas-dgesdd";
    }

    @Override
    public double[] values(double[][] w) {
        return OpenBlas.singularValues(Matrices.flatten(w), w.length, w[0].length);
    }

    @Override
    public Svd full(double[][] w) {
        return OpenBlas.svd(Matrices.flatten(w), w.length, w[0].length);
    }
}
