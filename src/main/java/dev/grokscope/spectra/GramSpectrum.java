package dev.grokscope.spectra;

/**
 * Every singular value and the t leading singular triplets of a matrix, from the eigen-decomposition of
 * its smaller Gram matrix where that is exact enough, else from {@code dgesdd}; square-ish matrices take
 * {@link BidiagonalSpectrum} first.
 *
 * <p>With k = min(m, n) and G the k x k Gram matrix of the smaller side (W W^T if m <= n, else W^T W),
 * the eigenvalues of G are lambda_i = s_i^2. A backward-stable eigensolver gets each lambda_i to within
 * c eps lambda_1, so s_i = sqrt(lambda_i) is off by about c eps lambda_1 / (2 s_i): relative to s_1,
 * (c eps / 2) (s_1 / s_i). The Gram values are used only when s_k >= {@value #MIN_RATIO} s_1, which bounds
 * that error by ~c x 5.6e-14 s_1; a matrix with smaller singular values (a low-rank one, e.g. after
 * weight decay: the Gram loses values below ~1e-8 s_1 entirely) takes {@code dgesdd}'s values instead,
 * which are accurate to ~eps s_1 whatever the spectrum. Either way the values are verified.
 *
 * <p>The triplets: {@code dsyevr} (MRRR) gives the t leading eigenvectors x_i of G, which are the
 * singular vectors of the smaller side; those of the other side are W^T x_i / s_i (or W x_i / s_i).
 * The residuals this leaves grow like eps lambda_1 / s_i, so they are checked
 * ({@link SpectrumCheck#verifyTop}: ||W v_i - s_i u_i||, ||W^T u_i - s_i v_i|| and orthonormality) and a
 * matrix that fails (a leading s_i close to 0) gets its triplets from a full {@code dgesdd}, verified the
 * same way (and if that fails too, from {@link SingularValues#full}).
 *
 * <p>Cost on the shapes of a grokking run (one Gram product, one tridiagonal reduction, one
 * m x n x t product) is 2-4x below values-only {@code dgesdd} and ~10x below a full SVD with vectors.
 */
final class GramSpectrum {
    /** Smallest s_k / s_1 for which the Gram matrix's values are used (see the class comment). */
    static final double MIN_RATIO = 1e-3;
    /**
     * Matrices whose short side is at least this fraction of the long side take {@link BidiagonalSpectrum}
     * first. For an m x n random matrix (m <= n) the ratio s_k / s_1 sits near the Marchenko-Pastur edges'
     * (1 - sqrt(m/n)) / (1 + sqrt(m/n)): 0.03 for 114 x 128, 0.013 at m/n = 0.95, but ~1/(2n) scattered
     * down to 1e-5 for square ones, so a square matrix fails {@link #MIN_RATIO} often (Nanda's W_K in 297
     * of the first 301 snapshots) and would need a second reduction, while a clearly rectangular one
     * passes until training makes it low-rank.
     */
    static final double NEARLY_SQUARE = 0.95;

    private GramSpectrum() {
    }

    /** The spectrum of a finite, non-empty row-major matrix, with min(t, k) leading triplets. */
    static Spectrum of(double[][] w, int t) {
        return of(Matrices.flatten(w), w.length, w[0].length, t);
    }

    /** {@link #of(double[][], int)} for a finite row-major m x n array {@code a[i * n + j]}. */
    static Spectrum of(double[] a, int m, int n, int t) {
        int k = Math.min(m, n);
        int top = Math.min(t, k);
        double fro2 = Matrices.frobeniusSquared(a, m, n);
        if (k >= NEARLY_SQUARE * Math.max(m, n)) {
            try {
                return BidiagonalSpectrum.of(a, m, n, t, fro2);
            } catch (SpectrumException e) {
                // the Gram route below, and its exact fallbacks
            }
        }
        OpenBlas.Eigen eigen;
        try {
            eigen = OpenBlas.eigen(OpenBlas.gram(a, m, n), k, top);
        } catch (SpectrumException e) {
            eigen = null; // LAPACK refused: the exact routes below
        }
        double[] gramValues = eigen == null ? null : sqrtDescending(eigen.values());
        Svd triplets = null;
        if (gramValues != null && gramValues[top - 1] > 0) {
            try {
                triplets = fromGram(a, m, n, eigen.vectors(), gramValues, top, fro2);
            } catch (SpectrumException e) {
                triplets = null; // a leading s_i near 0
            }
        }
        double[] values;
        if (gramValues != null && gramValues[k - 1] >= MIN_RATIO * gramValues[0]) {
            values = gramValues;
            SpectrumCheck.verifyValues(values, m, n, fro2);
        } else if (triplets != null) {
            values = exactValues(a, m, n);
        } else {
            Svd full = exactFull(Matrices.unflatten(a, m, n));
            return new Spectrum(full.s(), truncate(full, top));
        }
        if (triplets == null) {
            triplets = truncate(exactFull(Matrices.unflatten(a, m, n)), top);
        }
        double[] s = java.util.Arrays.copyOf(values, top); // the verified values, in place of the Gram's
        return new Spectrum(values, new Svd(triplets.u(), s, triplets.v()));
    }

    /**
     * Every singular value from values-only {@code dgesdd} on a scratch copy, verified; else from the
     * verified routes of {@link SingularValues#of(double[][])}.
     */
    private static double[] exactValues(double[] a, int m, int n) {
        try {
            double[] s = OpenBlas.singularValues(Scratch.copy(Scratch.Use.LAPACK_INPUT, a), m, n);
            SpectrumCheck.verifyValues(s, m, n, Matrices.frobeniusSquared(a, m, n));
            return s;
        } catch (SpectrumException e) {
            return SingularValues.of(Matrices.unflatten(a, m, n));
        }
    }

    /** A dgesdd SVD with its values and leading triplets verified; else the verified full routes. */
    private static Svd exactFull(double[][] w) {
        try {
            Svd full = new GesddSvd().full(w);
            SpectrumCheck.verifyValues(full.s(), w.length, w[0].length, Matrices.frobeniusSquared(w));
            SpectrumCheck.verifyTop(truncate(full, Math.min(VectorAgreement.DEFAULT_K, full.rank())), w);
            return full;
        } catch (SpectrumException e) {
            return SingularValues.full(w);
        }
    }

    /** sqrt of G's eigenvalues (ascending) as s_1 >= ... >= s_k, negative rounding clamped to 0. */
    private static double[] sqrtDescending(double[] ev) {
        int k = ev.length;
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = Math.sqrt(Math.max(0, ev[k - 1 - i]));
        }
        return s;
    }

    /**
     * The triplets from G's leading eigenvectors x_i (one side's singular vectors): the other side's are
     * y_i = W^T x_i / s_i (or W x_i / s_i), a product that is also half of the verification, which then
     * needs only the other half (W y_i against s_i x_i). Verified before they are returned.
     */
    private static Svd fromGram(double[] a, int m, int n, double[] z, double[] values, int t, double fro2) {
        int k = Math.min(m, n);
        double[] x = new double[k * t]; // row-major k x t, descending
        for (int i = 0; i < t; i++) {
            int col = t - 1 - i;
            for (int r = 0; r < k; r++) {
                x[r * t + i] = z[r + col * k];
            }
        }
        boolean wide = m <= n; // x holds U (m x t); else x holds V (n x t)
        double[] other = OpenBlas.multiply(a, m, n, wide, x, t); // W^T U (n x t) or W V (m x t)
        int rows = wide ? n : m;
        double[][] y = new double[rows][t];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < t; i++) {
                y[r][i] = other[r * t + i] / values[i];
            }
        }
        double[][] xs = new double[k][t];
        for (int r = 0; r < k; r++) {
            System.arraycopy(x, r * t, xs[r], 0, t);
        }
        double[] s = java.util.Arrays.copyOf(values, t);
        Svd triplets = wide ? new Svd(xs, s, y) : new Svd(y, s, xs);
        double[] back = OpenBlas.multiply(a, m, n, !wide, Matrices.flatten(y), t); // W V (m x t) or W^T U (n x t)
        SpectrumCheck.verifyTop(triplets, wide ? back : other, wide ? other : back, m, n, fro2);
        return triplets;
    }

    private static Svd truncate(Svd full, int t) {
        if (full.rank() == t) {
            return full;
        }
        return new Svd(columns(full.u(), t), java.util.Arrays.copyOf(full.s(), t), columns(full.v(), t));
    }

    private static double[][] columns(double[][] x, int t) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = java.util.Arrays.copyOf(x[i], t);
        }
        return out;
    }
}
