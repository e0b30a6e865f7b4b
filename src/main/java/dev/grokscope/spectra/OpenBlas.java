package dev.grokscope.spectra;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The few LAPACK and BLAS calls the fast routes need, made directly on OpenBLAS through the JavaCPP
 * binding that ND4J's CPU backend itself loads ({@code org.bytedeco.openblas.global.openblas}), on plain
 * Java arrays: no ND4J array is created, copied or freed. Each call works on copies of its arrays at a
 * fixed alignment ({@link Aligned}), so that its rounding does not depend on where they happen to lie.
 *
 * <p>Every matrix here is row-major, {@code a[i * n + j]} = A_ij. A row-major m x n buffer is the
 * column-major n x m matrix A^T, which is how the calls hand it to LAPACK without a transposing copy.
 * Each method throws {@link SpectrumException} when LAPACK reports a failure ({@code info != 0}).
 */
final class OpenBlas {
    private OpenBlas() {
    }

    /**
     * The Gram matrix of the smaller side: A A^T (m x m) if m <= n, else A^T A (n x n), by {@code dsyrk};
     * only its upper triangle (row-major) is filled, which column-major LAPACK reads as the lower one. The
     * result is this thread's {@link Scratch.Use#GRAM} array for that size.
     */
    static double[] gram(double[] a, int m, int n) {
        int k = Math.min(m, n);
        double[] g = Scratch.zeroed(Scratch.Use.GRAM, k * k); // dsyrk writes one triangle; the other stays 0
        try (Aligned x = new Aligned()) {
            if (m <= n) {
                openblas.cblas_dsyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasNoTrans, m, n, 1.0,
                        x.in(a), n, 0.0, x.inOut(g), k);
            } else {
                openblas.cblas_dsyrk(openblas.CblasRowMajor, openblas.CblasUpper, openblas.CblasTrans, n, m, 1.0,
                        x.in(a), n, 0.0, x.inOut(g), k);
            }
        }
        return g;
    }

    /** Every eigenvalue (ascending) and the t leading eigenvectors of a symmetric matrix. */
    record Eigen(double[] values, double[] vectors) {
    }

    /**
     * All eigenvalues and the {@code t} largest eigenpairs' vectors of a symmetric k x k matrix (lower
     * triangle, column-major; overwritten), from one tridiagonal reduction: {@code dsytrd} (G = Q T Q^T),
     * {@code dsterf} (every eigenvalue of T, root-free QR), the t largest eigenvectors of T by inverse
     * iteration from those eigenvalues ({@code dstein}; where T splits into blocks or a vector does not
     * converge, MRRR instead: {@code dstemr}), and {@code dormtr} (back to G's basis). Values ascending; vectors column-major
     * k x t, in ascending order of their eigenvalues.
     *
     * <p>Why inverse iteration. MRRR for a few eigenpairs still works on the whole tridiagonal matrix:
     * on the shapes of a grokking run it took 0.34-0.68 ms (k = 97-194) against 0.09-0.18 ms for
     * {@code dstein} given {@code dsterf}'s eigenvalues, which are needed anyway; the vectors agree to
     * |<z, z'>| = 1 - 1e-12. Both are verified with the triplets ({@link SpectrumCheck#verifyTop}).
     */
    static Eigen eigen(double[] g, int k, int t) {
        double[] d = new double[k];
        double[] e = new double[Math.max(1, k)];
        double[] tau = new double[Math.max(1, k)];
        try (Aligned x = new Aligned()) {
            DoublePointer pg = x.inOut(g);
            DoublePointer pd = x.inOut(d);
            DoublePointer pe = x.inOut(e);
            DoublePointer ptau = x.inOut(tau);
            check("dsytrd", x.withWork((work, lwork) -> openblas.LAPACKE_dsytrd_work(openblas.LAPACK_COL_MAJOR,
                    (byte) 'L', k, pg, k, pd, pe, ptau, work, lwork)));
        }
        double[] values = d.clone();
        try (Aligned x = new Aligned()) {
            check("dsterf", openblas.LAPACKE_dsterf_work(k, x.inOut(values), x.inOut(e.clone())));
        }
        double[] z = topEigenvectors(d, e, k, t, java.util.Arrays.copyOfRange(values, k - t, k));
        if (k > 1) {
            try (Aligned x = new Aligned()) {
                DoublePointer pg = x.in(g);
                DoublePointer ptau = x.in(tau);
                DoublePointer pz = x.inOut(z);
                check("dormtr", x.withWork((work, lwork) -> openblas.LAPACKE_dormtr_work(openblas.LAPACK_COL_MAJOR,
                        (byte) 'L', (byte) 'L', (byte) 'N', k, t, pg, k, ptau, pz, k, work, lwork)));
            }
        }
        return new Eigen(values, z);
    }

    /**
     * The eigenvectors of the t largest eigenvalues of a symmetric tridiagonal matrix (diagonal d,
     * off-diagonal e; neither modified), column-major k x t in ascending order, given those eigenvalues
     * ascending: inverse iteration ({@code dstein}), or MRRR ({@code dstemr}) where the matrix splits or
     * inverse iteration does not converge (once, in the test suite, on a 128 x 128 Gaussian matrix
     * whose bidiagonal it handled in 3,000 repetitions alone: OpenBLAS rounds differently with buffer
     * alignment and thread count).
     */
    private static double[] topEigenvectors(double[] d, double[] e, int k, int t, double[] top) {
        double[] z = new double[k * t];
        int[] block = new int[t];
        java.util.Arrays.fill(block, 1);
        if (!splits(d, e, k)) {
            int info;
            try (Aligned x = new Aligned()) {
                info = openblas.LAPACKE_dstein_work(openblas.LAPACK_COL_MAJOR, k, x.in(d), x.in(e), t, x.in(top),
                        x.inOut(block), x.inOut(new int[] {k}), x.inOut(z), k, x.work(5 * k), x.intWork(k),
                        x.inOut(new int[t]));
            }
            if (info == 0) {
                return z;
            }
        }
        double[] w = new double[k];
        int[] found = new int[1];
        int[] support = new int[2 * t];
        int[] tryrac = {1};
        java.util.Arrays.fill(z, 0);
        try (Aligned x = new Aligned()) {
            DoublePointer pd = x.inOut(d.clone());
            DoublePointer pe = x.inOut(java.util.Arrays.copyOf(e, Math.max(1, k)));
            DoublePointer pw = x.inOut(w);
            DoublePointer pz = x.inOut(z);
            var pfound = x.inOut(found);
            var psupport = x.inOut(support);
            var ptryrac = x.inOut(tryrac);
            DoublePointer query = x.work(1);
            var iquery = x.intWork(1);
            check("dstemr", openblas.LAPACKE_dstemr_work(openblas.LAPACK_COL_MAJOR, (byte) 'V', (byte) 'I', k, pd, pe, 0,
                    0, k - t + 1, k, pfound, pw, pz, k, t, psupport, ptryrac, query, -1, iquery, -1));
            int lwork = Aligned.queried(query);
            int liwork = Math.max(1, iquery.get(0));
            check("dstemr", openblas.LAPACKE_dstemr_work(openblas.LAPACK_COL_MAJOR, (byte) 'V', (byte) 'I', k, pd, pe, 0,
                    0, k - t + 1, k, pfound, pw, pz, k, t, psupport, ptryrac, x.work(lwork), lwork, x.intWork(liwork),
                    liwork));
        }
        if (found[0] != t) {
            throw new SpectrumException("dstemr found " + found[0] + " eigenpairs, asked for " + t);
        }
        return z;
    }

    /**
     * Whether the symmetric tridiagonal matrix (diagonal d, off-diagonal e) splits into blocks by
     * {@code dstebz}'s rule (e_j^2 <= ulp^2 |d_j d_{j+1}| + safe minimum), in which case its eigenvalues
     * belong to blocks that {@code dstein} would have to be told.
     */
    private static boolean splits(double[] d, double[] e, int k) {
        double ulp = Math.ulp(1.0);
        for (int j = 0; j + 1 < k; j++) {
            if (e[j] * e[j] <= Math.abs(d[j] * d[j + 1]) * ulp * ulp + Double.MIN_NORMAL) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every singular value and the t leading singular triplets of the row-major m x n matrix a (not
     * modified) from one bidiagonal reduction. The buffer is LAPACK's column-major C = A^T (n x m):
     * {@code dgebrd} gives C = Q B P^T; {@code dbdsqr} (values only: dqds) every singular value of B to high
     * relative accuracy; the t leading right singular vectors y of B by inverse iteration ({@code dstein},
     * else MRRR) on the tridiagonal B^T B from those values (squared); x = B y / s; then u = Q x and v = P y
     * ({@code dormbr}), C v = s u, so A u = s v: u is A's right singular vector and v its left one.
     * Returns U (m x t) and V (n x t) row-major, unverified.
     */
    static Triplets bidiagonalTop(double[] a, int m, int n, int t) {
        int rows = n; // C = A^T, column-major, rows x cols
        int cols = m;
        int k = Math.min(rows, cols);
        boolean upper = rows >= cols;
        double[] c = Scratch.copy(Scratch.Use.LAPACK_INPUT, a);
        double[] d = new double[k];
        double[] e = new double[Math.max(1, k)];
        double[] tauq = new double[k];
        double[] taup = new double[k];
        try (Aligned x = new Aligned()) {
            DoublePointer pc = x.inOut(c);
            DoublePointer pd = x.inOut(d);
            DoublePointer pe = x.inOut(e);
            DoublePointer pq = x.inOut(tauq);
            DoublePointer pp = x.inOut(taup);
            check("dgebrd", x.withWork((work, lwork) -> openblas.LAPACKE_dgebrd_work(openblas.LAPACK_COL_MAJOR, rows,
                    cols, pc, rows, pd, pe, pq, pp, work, lwork)));
        }
        double[] s = d.clone();
        try (Aligned x = new Aligned()) {
            check("dbdsqr", openblas.LAPACKE_dbdsqr_work(openblas.LAPACK_COL_MAJOR, (byte) (upper ? 'U' : 'L'), k, 0, 0,
                    0, x.inOut(s), x.inOut(e.clone()), x.inOut(new double[1]), 1, x.inOut(new double[1]), 1,
                    x.inOut(new double[1]), 1, x.work(4 * k)));
        }
        // B^T B: for upper B (B_ii = d_i, B_i,i+1 = e_i) diag d_i^2 + e_{i-1}^2, off d_i e_i; for lower
        // (B_i+1,i = e_i) diag d_i^2 + e_i^2, off e_i d_{i+1}
        double[] td = new double[k];
        double[] te = new double[Math.max(1, k)];
        for (int i = 0; i < k; i++) {
            td[i] = upper ? d[i] * d[i] + (i > 0 ? e[i - 1] * e[i - 1] : 0) : d[i] * d[i] + (i < k - 1 ? e[i] * e[i] : 0);
            if (i < k - 1) {
                te[i] = upper ? d[i] * e[i] : e[i] * d[i + 1];
            }
        }
        double[] w = new double[t]; // the t largest eigenvalues of B^T B, ascending
        for (int i = 0; i < t; i++) {
            w[i] = s[t - 1 - i] * s[t - 1 - i];
        }
        double[] y = topEigenvectors(td, te, k, t, w); // column-major k x t, ascending
        double[] uc = new double[rows * t]; // u = Q [x; 0], column-major rows x t, descending
        double[] vc = new double[cols * t]; // v = P [y; 0], column-major cols x t, descending
        for (int j = 0; j < t; j++) {
            int col = t - 1 - j; // descending
            double sj = s[j];
            for (int i = 0; i < k; i++) {
                double yi = y[i + col * k];
                vc[i + j * cols] = yi;
                // x = B y / s
                double bx = upper ? d[i] * yi + (i < k - 1 ? e[i] * y[i + 1 + col * k] : 0)
                        : d[i] * yi + (i > 0 ? e[i - 1] * y[i - 1 + col * k] : 0);
                uc[i + j * rows] = bx / sj;
            }
        }
        try (Aligned x = new Aligned()) { // u = Q u, v = P v: C's reflectors copied once for both
            DoublePointer pc = x.in(c);
            DoublePointer pq = x.in(tauq);
            DoublePointer pp = x.in(taup);
            DoublePointer pu = x.inOut(uc);
            DoublePointer pv = x.inOut(vc);
            check("dormbr", x.withWork((work, lwork) -> openblas.LAPACKE_dormbr_work(openblas.LAPACK_COL_MAJOR,
                    (byte) 'Q', (byte) 'L', (byte) 'N', rows, t, cols, pc, rows, pq, pu, rows, work, lwork)));
            check("dormbr", x.withWork((work, lwork) -> openblas.LAPACKE_dormbr_work(openblas.LAPACK_COL_MAJOR,
                    (byte) 'P', (byte) 'L', (byte) 'N', cols, t, rows, pc, rows, pp, pv, cols, work, lwork)));
        }
        // A = C^T: A's left vectors (m = cols) are v, its right ones (n = rows) are u; both row-major out
        double[] left = new double[m * t];
        double[] right = new double[n * t];
        for (int j = 0; j < t; j++) {
            for (int i = 0; i < m; i++) {
                left[i * t + j] = vc[i + j * cols];
            }
            for (int i = 0; i < n; i++) {
                right[i * t + j] = uc[i + j * rows];
            }
        }
        return new Triplets(s, left, right);
    }

    /** Every singular value (descending) and the leading left (m x t) and right (n x t) vectors, row-major. */
    record Triplets(double[] values, double[] u, double[] v) {
    }

    /** Singular values of the row-major m x n matrix a, descending ({@code dgesdd}, JOBZ = 'N'); overwrites a. */
    static double[] singularValues(double[] a, int m, int n) {
        double[] s = new double[Math.min(m, n)];
        // Row-major A is column-major A^T (n x m): same singular values.
        try (Aligned x = new Aligned()) {
            DoublePointer pa = x.inOut(a);
            DoublePointer ps = x.inOut(s);
            DoublePointer pu = x.inOut(new double[1]);
            DoublePointer pvt = x.inOut(new double[1]);
            var iwork = x.intWork(8 * Math.min(m, n));
            check("dgesdd", x.withWork((work, lwork) -> openblas.LAPACKE_dgesdd_work(openblas.LAPACK_COL_MAJOR,
                    (byte) 'N', n, m, pa, n, ps, pu, 1, pvt, 1, work, lwork, iwork)));
        }
        return s;
    }

    /**
     * The thin SVD of the row-major m x n matrix a by divide and conquer ({@code dgesdd}, JOBZ = 'S');
     * overwrites a.
     */
    static Svd svd(double[] a, int m, int n) {
        int k = Math.min(m, n);
        double[] s = new double[k];
        double[] up = new double[n * k]; // U' of A^T = U' S VT': n x k column-major, = V of A
        double[] vtp = new double[k * m]; // VT' of A^T: k x m column-major, = U^T of A
        try (Aligned x = new Aligned()) {
            DoublePointer pa = x.inOut(a);
            DoublePointer ps = x.inOut(s);
            DoublePointer pu = x.inOut(up);
            DoublePointer pvt = x.inOut(vtp);
            var iwork = x.intWork(8 * k);
            check("dgesdd", x.withWork((work, lwork) -> openblas.LAPACKE_dgesdd_work(openblas.LAPACK_COL_MAJOR,
                    (byte) 'S', n, m, pa, n, ps, pu, n, pvt, k, work, lwork, iwork)));
        }
        double[][] u = new double[m][k];
        for (int j = 0; j < m; j++) {
            System.arraycopy(vtp, j * k, u[j], 0, k);
        }
        double[][] v = new double[n][k];
        for (int i = 0; i < k; i++) {
            for (int r = 0; r < n; r++) {
                v[r][i] = up[r + i * n];
            }
        }
        return new Svd(u, s, v);
    }

    /**
     * C = op(A) B for row-major A (m x n) and row-major B: op(A) = A (B is n x t, C m x t) or A^T
     * ({@code transpose}; B is m x t, C n x t), by {@code dgemm}.
     */
    static double[] multiply(double[] a, int m, int n, boolean transpose, double[] b, int t) {
        int rows = transpose ? n : m;
        int inner = transpose ? m : n;
        double[] c = new double[rows * t];
        try (Aligned x = new Aligned()) {
            openblas.cblas_dgemm(openblas.CblasRowMajor, transpose ? openblas.CblasTrans : openblas.CblasNoTrans,
                    openblas.CblasNoTrans, rows, t, inner, 1.0, x.in(a), n, x.in(b), t, 0.0, x.inOut(c), t);
        }
        return c;
    }

    private static void check(String routine, int info) {
        if (info != 0) {
            throw new SpectrumException(routine + " failed, info = " + info);
        }
    }
}
