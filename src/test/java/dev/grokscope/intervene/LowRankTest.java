package dev.grokscope.intervene;

import dev.grokscope.results.Npy;
import dev.grokscope.spectra.Svd;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LowRankTest {
    /** A random m x n matrix of rank exactly r: A (m x r) times B (r x n), row-major. */
    private static double[] rankR(int m, int n, int r, long seed) {
        Random rng = new Random(seed);
        double[][] a = new double[m][r];
        double[][] b = new double[r][n];
        for (double[] row : a) {
            for (int j = 0; j < r; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        for (double[] row : b) {
            for (int j = 0; j < n; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        double[] w = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < r; k++) {
                    s += a[i][k] * b[k][j];
                }
                w[i * n + j] = s;
            }
        }
        return w;
    }

    private static double maxAbsDiff(double[] x, double[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    @Test
    void truncatingARankRMatrixAtRankAtLeastRReturnsIt() {
        int m = 30;
        int n = 17;
        int r = 4;
        double[] w = rankR(m, n, r, 7);
        Map<String, Npy.Array> params = new LinkedHashMap<>();
        params.put("W", new Npy.Array(new int[] {m, n}, w));
        params.put("b", new Npy.Array(new int[] {n}, new double[n]));
        Map<String, Svd> svds = LowRank.decompose(params, List.of("W"));
        for (int rank : new int[] {r, r + 1, 10, 100}) {
            Map<String, Npy.Array> top = LowRank.truncate(params, svds, LowRank.Part.TOP, LowRank.Cut.rank(rank));
            assertTrue(maxAbsDiff(w, top.get("W").data()) < 1e-12, "top " + rank + ": " + maxAbsDiff(w, top.get("W").data()));
            Map<String, Npy.Array> bottom = LowRank.truncate(params, svds, LowRank.Part.BOTTOM, LowRank.Cut.rank(rank));
            assertTrue(maxAbsDiff(new double[m * n], bottom.get("W").data()) < 1e-12, "bottom " + rank);
            assertEquals(params.get("b"), top.get("b"), "other parameters pass through");
        }
        Map<String, Npy.Array> lower = LowRank.truncate(params, svds, LowRank.Part.TOP, LowRank.Cut.rank(r - 1));
        assertTrue(maxAbsDiff(w, lower.get("W").data()) > 1e-3, "rank r-1 must lose something");
    }

    @Test
    void topAndBottomPartsSumToTheMatrix() {
        int m = 12;
        int n = 20;
        double[] w = rankR(m, n, 12, 3);
        Map<String, Npy.Array> params = Map.of("W", new Npy.Array(new int[] {m, n}, w));
        Map<String, Svd> svds = LowRank.decompose(params, List.of("W"));
        LowRank.Cut half = LowRank.Cut.fraction(0.5);
        double[] top = LowRank.truncate(params, svds, LowRank.Part.TOP, half).get("W").data();
        double[] bottom = LowRank.truncate(params, svds, LowRank.Part.BOTTOM, half).get("W").data();
        double[] sum = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            sum[i] = top[i] + bottom[i];
        }
        assertTrue(maxAbsDiff(w, sum) < 1e-12);
        assertArrayEquals(new int[] {m, n}, LowRank.truncate(params, svds, LowRank.Part.TOP, half).get("W").shape());
    }

    @Test
    void keptRankIsTheCeilingOfTheFraction() {
        assertEquals(6, LowRank.Cut.fraction(0.5).topRank(12));
        assertEquals(7, LowRank.Cut.fraction(0.5).topRank(13));
        assertEquals(1, LowRank.Cut.fraction(0.01).topRank(13));
        assertEquals(3, LowRank.Cut.rank(5).topRank(3));
        assertThrows(IllegalArgumentException.class, () -> LowRank.Cut.fraction(1.0));
        assertThrows(IllegalArgumentException.class, () -> LowRank.Cut.fraction(0.0));
    }
}
