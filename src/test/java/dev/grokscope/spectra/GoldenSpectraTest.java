package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.results.Npy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every golden matrix: our singular values and metrics against numpy + WeightWatcher 0.7.5.5. */
class GoldenSpectraTest {
    private static final double NORM_RTOL = 1e-9;
    private static final double FIT_RTOL = 1e-6;
    private static final List<String> NORMS = List.of("lambda_max", "log_norm", "log_spectral_norm",
            "stable_rank", "entropy", "alpha_weighted", "log_alpha_norm");
    private static final List<String> FIT = List.of("alpha", "xmin", "D", "sigma");
    private static final List<String> RANKS = List.of("effective_rank_roy_vetterli", "effective_rank_normalized",
            "eff_rank_count", "eff_rank_ratio");
    private static final List<String> COUNTS = List.of("matrix_rank", "num_pl_spikes");

    @TestFactory
    List<DynamicTest> everyGoldenMatrixMatches() {
        JsonNode matrices = GoldenSpectra.golden().get("matrices");
        List<DynamicTest> tests = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = matrices.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue())));
        }
        assertTrue(tests.size() >= 7, "golden.json should hold at least 7 matrices, has " + tests.size());
        return tests;
    }

    private static void check(String name, JsonNode expected) {
        Npy.Array array = Npy.read(GoldenSpectra.matrix(name));
        assertEquals(expected.get("shape").get(0).asInt(), array.rows(), name + " rows");
        assertEquals(expected.get("shape").get(1).asInt(), array.cols(), name + " cols");
        double[] want = GoldenSpectra.doubles(expected.get("singular_values"));
        double[] got = SingularValues.of(array.matrix());
        assertEquals(want.length, got.length, name + ": number of singular values");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], NORM_RTOL * want[0], name + ": s[" + i + "] relative to s_max");
        }
        Map<String, Object> metrics = SpectralMetrics.of(got, array.rows(), array.cols()).toMap();
        boolean degenerate = expected.get("alpha").isNull();
        for (String key : NORMS) {
            if (degenerate && !expected.has(key)) {
                assertNull(metrics.get(key), name + ": " + key + " needs alpha, the fit is degenerate");
            } else {
                assertClose(name, key, expected, metrics, NORM_RTOL);
            }
        }
        for (String key : RANKS) {
            assertClose(name, key, expected, metrics, NORM_RTOL);
        }
        if (degenerate) {
            assertEquals("degenerate", metrics.get("fit"), name + ": golden has no alpha, fit must be flagged");
            for (String key : FIT) {
                assertNull(metrics.get(key), name + ": " + key + " of a degenerate fit");
            }
            assertClose(name, "matrix_rank", expected, metrics, 0);
            return;
        }
        assertEquals("ok", metrics.get("fit"), name + ": fit status");
        for (String key : FIT) {
            assertClose(name, key, expected, metrics, FIT_RTOL);
        }
        for (String key : COUNTS) {
            assertClose(name, key, expected, metrics, 0);
        }
    }

    private static void assertClose(String name, String key, JsonNode expected, Map<String, Object> got,
            double rtol) {
        assertTrue(expected.has(key), name + ": golden.json lacks " + key);
        assertTrue(got.containsKey(key), name + ": toMap() lacks " + key);
        Object value = got.get(key);
        assertFalse(value == null, name + ": " + key + " is null, golden " + expected.get(key));
        double want = expected.get(key).asDouble();
        double have = ((Number) value).doubleValue();
        // log10 of a value near 1 (orthogonal_ties: log_spectral_norm ~ 6e-16) has no relative accuracy:
        // its error is the argument's relative error / ln 10, so logs are compared to rtol * max(|want|, 1).
        double scale = key.startsWith("log_") ? Math.max(Math.abs(want), 1) : Math.abs(want);
        assertEquals(want, have, rtol * scale, name + ": " + key);
    }

    @Test
    void mapKeysAreTheGoldenNames() {
        JsonNode student = GoldenSpectra.golden().get("matrices").get("student_t");
        Map<String, Object> metrics = SpectralMetrics.of(new double[] {3, 2, 1}, 3, 3).toMap();
        for (Iterator<String> it = student.fieldNames(); it.hasNext();) {
            String key = it.next();
            if (!key.equals("shape") && !key.equals("singular_values")) {
                assertTrue(metrics.containsKey(key), "toMap() lacks golden key " + key);
            }
        }
    }
}
