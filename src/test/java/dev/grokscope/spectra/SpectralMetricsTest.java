package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpectralMetricsTest {

    @Test
    void diagonalThreeTwoOneByHand() {
        Map<String, Object> m = SpectralMetrics.of(new double[] {3, 2, 1}, 3, 3).toMap();
        assertEquals(Math.sqrt(14), (double) m.get("frobenius_norm"), 1e-15);
        assertEquals(3.0, (double) m.get("spectral_norm"), 0);
        assertEquals(6.0, (double) m.get("nuclear_norm"), 0);
        assertEquals(9.0, (double) m.get("lambda_max"), 0);
        assertEquals(Math.log10(14), (double) m.get("log_norm"), 1e-15);
        assertEquals(Math.log10(9), (double) m.get("log_spectral_norm"), 1e-15);
        assertEquals(14.0 / 9, (double) m.get("stable_rank"), 1e-15);
        assertEquals(3, m.get("matrix_rank"));
        double h = 0;
        for (double l : new double[] {9, 4, 1}) {
            double p = l / 14 + 1e-10;
            h -= p * Math.log(p);
        }
        assertEquals(h / Math.log(3), (double) m.get("entropy"), 1e-15);
        double sum = 6 + 3e-10;
        double hq = 0;
        for (double s : new double[] {3, 2, 1}) {
            double q = (s + 1e-10) / sum;
            hq -= q * Math.log(q);
        }
        assertEquals(Math.exp(hq), (double) m.get("effective_rank_roy_vetterli"), 1e-14);
        assertEquals(Math.exp(hq) / 3, (double) m.get("effective_rank_normalized"), 1e-14);
        // cumsum/sum = 0.5, 0.833, 1.0: first above 0.9 is j = 3.
        assertEquals(1.0, (double) m.get("eff_rank_count"), 0);
        assertEquals(14.0 / 9 / 3, (double) m.get("eff_rank_ratio"), 1e-9);
        // Eigenvalues 1, 4, 9: candidates i = 1 (alpha = 1 + 3/ln(36)) and i = 2 (1 + 2/ln(9/4)).
        assertEquals("ok", m.get("fit"));
    }

    @Test
    void keysAreStableAndOrdered() {
        List<String> keys = List.copyOf(SpectralMetrics.of(new double[] {2, 1}, 2, 5).toMap().keySet());
        assertEquals(List.of("rows", "cols", "frobenius_norm", "spectral_norm", "nuclear_norm", "lambda_max",
                "log_norm", "log_spectral_norm", "stable_rank", "matrix_rank", "entropy",
                "effective_rank_roy_vetterli", "effective_rank_normalized", "eff_rank_count", "eff_rank_ratio", "fit",
                "alpha", "xmin", "D", "sigma", "num_pl_spikes", "alpha_weighted", "log_alpha_norm", "warning",
                "sigma_mp", "bulk_min", "bulk_max", "num_spikes", "mp_softrank"), keys);
    }

    @Test
    void zeroMatrixHasNullsNotSentinels() {
        Map<String, Object> m = SpectralMetrics.of(new double[] {0, 0, 0}, 4, 3).toMap();
        assertEquals(0, m.get("matrix_rank"));
        for (String key : List.of("log_norm", "log_spectral_norm", "stable_rank", "entropy", "alpha", "xmin", "D",
                "sigma", "num_pl_spikes", "alpha_weighted", "log_alpha_norm", "warning", "sigma_mp", "bulk_min",
                "bulk_max", "num_spikes", "mp_softrank")) {
            assertNull(m.get(key), key);
        }
        assertEquals("degenerate", m.get("fit"));
        for (Object v : m.values()) {
            assertTrue(!(v instanceof Double d) || Double.isFinite(d), "non-finite value in " + m);
        }
    }

    @Test
    void rankOneHasNoEntropyAndRankUsesNumpysTolerance() {
        Map<String, Object> m = SpectralMetrics.of(new double[] {5, 1e-14, 0}, 3, 100).toMap();
        // tol = 5 * 100 * 2^-52 = 1.1e-13: 1e-14 is below it.
        assertEquals(1, m.get("matrix_rank"));
        assertNull(m.get("entropy"));
    }

    @Test
    void warningsFollowWeightWatchersThresholds() {
        int n = 400;
        for (double alpha : new double[] {1.5, 4, 8}) {
            double[] s = new double[n];
            for (int j = 0; j < n; j++) {
                double lambda = Math.pow(1 - (j + 0.5) / n, -1 / (alpha - 1)); // Pareto quantiles
                s[n - 1 - j] = Math.sqrt(lambda); // descending
            }
            SpectralMetrics metrics = SpectralMetrics.of(s, n, n);
            String expected = alpha < 2 ? "over-trained" : alpha > 6 ? "under-trained" : "ok";
            assertEquals(expected, metrics.warning(), "alpha " + alpha + " fitted " + metrics.powerLaw().alpha());
        }
    }

    @Test
    void preconditionsNameTheRule() {
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> SpectralMetrics.of(new double[] {1, 2}, 2, 2));
        assertTrue(count.getMessage().contains("descending"), count.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> SpectralMetrics.of(new double[] {1}, 2, 2));
        assertTrue(k.getMessage().contains("min(rows, cols)"), k.getMessage());
    }
}
