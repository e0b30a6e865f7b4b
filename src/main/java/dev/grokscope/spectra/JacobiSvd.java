package dev.grokscope.spectra;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * SVD by one-sided Jacobi rotations (Hestenes 1958; Demmel &amp; Veselic 1992), in pure Java.
 *
 * <p>The fallback route: it shares no code with LAPACK/OpenBLAS, so a broken native library cannot
 * break it too. With the tall orientation A (m x n, m >= n), it applies plane rotations to pairs of
 * columns (p, q) until every pair is orthogonal, |a_p . a_q| <= eps sqrt(||a_p||^2 ||a_q||^2). Then
 * A V = U diag(s) with s_i = ||a_i||, u_i = a_i / s_i. The rotation zeroing a_p . a_q uses
 * zeta = (||a_q||^2 - ||a_p||^2) / (2 a_p . a_q), t = sign(zeta) / (|zeta| + sqrt(1 + zeta^2)),
 * c = 1 / sqrt(1 + t^2), s = c t. It is accurate to high relative precision, even for tiny singular
 * values, but costs O(sweeps * m n^2) with ~6-12 sweeps: seconds for 1000 x 1000, so it is a
 * fallback, not the main path.
 */
final class JacobiSvd implements SvdRoute {
    private static final double EPS = 1e-15;
    private static final int MAX_SWEEPS = 60;

    @Override
    public String name() {
        return "java-one-sided-jacobi";
    }

    @Override
    public double[] values(double[][] w) {
        return decompose(w, false).s();
    }

    @Override
    public Svd full(double[][] w) {
        return decompose(w, true);
    }

    private static Svd decompose(double[][] w, boolean vectors) {
        boolean wide = w.length < w[0].length;
        double[][] tall = wide ? Matrices.transpose(w) : w;
        int m = tall.length;
        int n = tall[0].length;
        // cols[j] is column j of the tall matrix, contiguous for fast dot products.
        double[][] cols = Matrices.transpose(tall);
        double[][] vt = vectors ? identity(n) : null; // vt[j] = column j of V
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double[] ap = cols[p];
                    double[] aq = cols[q];
                    double alpha = 0;
                    double beta = 0;
                    double gamma = 0;
                    for (int i = 0; i < m; i++) {
                        alpha += ap[i] * ap[i];
                        beta += aq[i] * aq[i];
                        gamma += ap[i] * aq[i];
                    }
                    if (gamma == 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    rotate(ap, aq, c, s);
                    if (vectors) {
                        rotate(vt[p], vt[q], c, s);
                    }
                }
            }
            if (!rotated) {
                break;
            }
        }
        double[] norms = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = 0;
            for (double x : cols[j]) {
                sum += x * x;
            }
            norms[j] = Math.sqrt(sum);
        }
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer j) -> norms[j]).reversed());
        double[] s = new double[n];
        for (int r = 0; r < n; r++) {
            s[r] = norms[order[r]];
        }
        if (!vectors) {
            return new Svd(new double[1][n], s, new double[1][n]); // values only: placeholder vectors
        }
        double[][] uCols = new double[n][];
        double[][] vCols = new double[n][];
        for (int r = 0; r < n; r++) {
            int j = order[r];
            vCols[r] = vt[j];
            uCols[r] = new double[m];
            if (s[r] > 0) {
                for (int i = 0; i < m; i++) {
                    uCols[r][i] = cols[j][i] / s[r];
                }
            }
        }
        completeOrthonormal(uCols, s);
        double[][] u = Matrices.transpose(uCols);
        double[][] v = Matrices.transpose(vCols);
        return wide ? new Svd(v, s, u) : new Svd(u, s, v);
    }

    /** Plane rotation [x y] <- [c x - s y, s x + c y]. */
    private static void rotate(double[] x, double[] y, double c, double s) {
        for (int i = 0; i < x.length; i++) {
            double xi = x[i];
            double yi = y[i];
            x[i] = c * xi - s * yi;
            y[i] = s * xi + c * yi;
        }
    }

    /**
     * Gives the columns of exactly zero singular values unit vectors orthogonal to the others, by
     * Gram-Schmidt on coordinate vectors, so that U has orthonormal columns. (Tiny non-zero columns
     * need nothing: the stopping rule is relative, so normalised columns are orthogonal to ~eps.)
     */
    private static void completeOrthonormal(double[][] uCols, double[] s) {
        int m = uCols[0].length;
        int next = 0;
        for (int r = 0; r < uCols.length; r++) {
            if (s[r] > 0) {
                continue;
            }
            while (next < m) {
                double[] e = new double[m];
                e[next++] = 1;
                for (int pass = 0; pass < 2; pass++) {
                    for (int q = 0; q < uCols.length; q++) {
                        if (q == r || (s[q] == 0 && q > r)) {
                            continue;
                        }
                        double d = dot(e, uCols[q]);
                        for (int i = 0; i < m; i++) {
                            e[i] -= d * uCols[q][i];
                        }
                    }
                }
                double norm = Math.sqrt(dot(e, e));
                if (norm > 0.5) {
                    for (int i = 0; i < m; i++) {
                        e[i] /= norm;
                    }
                    uCols[r] = e;
                    break;
                }
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }
}
