package dev.grokscope.spectra;

/**
 * Every singular value and the t leading singular triplets of a matrix from one bidiagonal reduction
 * ({@link OpenBlas#bidiagonalTop}): values of the bidiagonal matrix by dqds, accurate to ~eps s_1 (to high
 * relative accuracy, in fact) whatever the spectrum, and the leading vectors by inverse iteration; both
 * verified ({@link SpectrumCheck#verifyValues}, {@link SpectrumCheck#verifyTop}).
 *
 * <p>The route for (nearly) square matrices ({@link GramSpectrum#NEARLY_SQUARE}). There the Gram matrix is
 * no smaller than the matrix, and the smallest singular value is often below 1e-3 s_1 (the attention
 * matrices of Nanda's transformer: W_K in 297 of the first 301 snapshots), where {@link GramSpectrum}
 * needs a second reduction ({@code dgesdd}) for exact values: 2.1 ms for a 128 x 128 matrix, against
 * ~1.3 ms here ({@code dgebrd} 0.6, {@code dbdsqr} 0.3, inverse iteration and back-transforms 0.4). For a
 * matrix with one side longer, the Gram matrix of the short side is cheaper to reduce than the matrix
 * (114 x 128: 0.9 against 1.3 ms), and its small values are within the Gram route's reach.
 */
final class BidiagonalSpectrum {
    private BidiagonalSpectrum() {
    }

    /**
     * The spectrum of a finite row-major m x n array {@code a[i * n + j]} (not modified), with min(t, k)
     * leading triplets.
     *
     * @throws SpectrumException if LAPACK fails or the result does not pass verification
     */
    static Spectrum of(double[] a, int m, int n, int t, double frobeniusSquared) {
        int top = Math.min(t, Math.min(m, n));
        OpenBlas.Triplets r = OpenBlas.bidiagonalTop(a, m, n, top);
        SpectrumCheck.verifyValues(r.values(), m, n, frobeniusSquared);
        Svd triplets = new Svd(Matrices.unflatten(r.u(), m, top), java.util.Arrays.copyOf(r.values(), top),
                Matrices.unflatten(r.v(), n, top));
        SpectrumCheck.verifyTop(triplets, a, m, n);
        return new Spectrum(r.values(), triplets);
    }
}
