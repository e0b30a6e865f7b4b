package dev.grokscope.warn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

class SpectralWarningTest {

    private static List<Warning> replay(SpectralWarning d, String fixture) throws IOException {
        List<Warning> fired = new ArrayList<>();
        Fixtures.snapshots(fixture).forEach((epoch, byMatrix) -> d.observe(epoch, byMatrix).ifPresent(fired::add));
        return fired;
    }

    @Test
    void firesOnTheRecordedGrokkingRunAtTheDocumentedEpoch() throws IOException {
        SpectralWarning d = SpectralWarning.preRegistered();
        List<Warning> fired = replay(d, Fixtures.GROKKING);
        // W_Q: 0.804 at epoch 0; 0.404 at 900, 0.385 at 1,000, then 0.372, 0.363 (<= 0.402 from 1,000 on)
        Warning expected = new Warning(1200, "blocks.0.attn.W_Q", "effective_rank_normalized: x <= 0.5*max(x) x3");
        assertEquals(List.of(expected), fired, "fires once, at the third snapshot below half the peak");
        assertEquals(Optional.of(expected), d.warning());
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("spectral_warning_epoch", 1200);
        summary.put("spectral_warning_matrix", "blocks.0.attn.W_Q");
        summary.put("spectral_warning_rule", "effective_rank_normalized: x <= 0.5*max(x) x3");
        assertEquals(summary, d.summaryFields());
    }

    @Test
    void aReplayedDetectorCarriesItsStateAcrossAResume() throws IOException {
        List<Map<String, String>> rows = dev.grokscope.report.Table.read(
                java.nio.file.Path.of("src/test/resources/dev/grokscope/warn", Fixtures.GROKKING, "spectra.csv")).rows();
        // resumed at epoch 1,100: the spectra kept up to the checkpoint are replayed, then recording goes on
        SpectralWarning d = SpectralWarning.replayed(rows.stream().filter(r -> Integer.parseInt(r.get("epoch")) <= 1100).toList());
        assertTrue(d.warning().isEmpty());
        List<Warning> fired = new ArrayList<>();
        Fixtures.snapshots(Fixtures.GROKKING).tailMap(1100, false).forEach((e, m) -> d.observe(e, m).ifPresent(fired::add));
        assertEquals(List.of(1200), fired.stream().map(Warning::epoch).toList(), "as without the resume");
        assertEquals(1200, SpectralWarning.replayed(rows).warning().orElseThrow().epoch());
    }

    @Test
    void staysQuietOnTheRecordedNonGrokkingRun() throws IOException {
        SpectralWarning d = SpectralWarning.preRegistered();
        assertEquals(List.of(), replay(d, Fixtures.NOT_GROKKING));
        assertEquals(Optional.empty(), d.warning());
        assertEquals(java.util.Arrays.asList(null, null, d.rule()), new ArrayList<>(d.summaryFields().values()));
        assertEquals(17, Fixtures.snapshots(Fixtures.NOT_GROKKING).size(), "the whole run, epochs 0..160");
    }

    @Test
    void aDropMustLastTheRegisteredNumberOfSnapshots() {
        SpectralWarning d = SpectralWarning.preRegistered();
        assertTrue(d.observe(0, snap("a", 0.8)).isEmpty());
        assertTrue(d.observe(10, snap("a", 0.4)).isEmpty());
        assertTrue(d.observe(20, snap("a", 0.39)).isEmpty());
        assertTrue(d.observe(30, snap("a", 0.41)).isEmpty(), "back above half: the count restarts");
        assertTrue(d.observe(40, snap("a", 0.2)).isEmpty());
        assertTrue(d.observe(50, snap("a", 0.2)).isEmpty());
        assertEquals(60, d.observe(60, snap("a", 0.2)).orElseThrow().epoch());
        assertTrue(d.observe(70, snap("a", 0.1)).isEmpty(), "fires once");
        assertEquals(60, d.warning().orElseThrow().epoch());
    }

    @Test
    void theRunningMaximumIsTheBaselineNotTheFirstValue() {
        SpectralWarning d = SpectralWarning.preRegistered();
        d.observe(0, snap("a", 0.5));
        d.observe(1, snap("a", 0.9)); // peak 0.9: 0.45 and below count
        d.observe(2, snap("a", 0.46));
        d.observe(3, snap("a", 0.45));
        d.observe(4, snap("a", 0.44));
        assertEquals(5, d.observe(5, snap("a", 0.3)).orElseThrow().epoch());
    }

    @Test
    void namesTheDeepestDropWhenSeveralMatricesFireTogether() {
        SpectralWarning d = SpectralWarning.preRegistered();
        for (int e = 0; e < 3; e++) {
            assertTrue(d.observe(e, Map.of("a", erank(e == 0 ? 1.0 : 0.4), "b", erank(e == 0 ? 1.0 : 0.3))).isEmpty());
        }
        Warning w = d.observe(3, Map.of("a", erank(0.4), "b", erank(0.3))).orElseThrow();
        assertEquals("b", w.matrix());
    }

    @Test
    void readsOnlyTheNormalisedEffectiveRank() {
        SpectralWarning d = SpectralWarning.preRegistered();
        for (int e = 0; e < 10; e++) {
            // stable rank collapses, effective rank holds: no warning
            Map<String, Double> m = Map.of("stable_rank", e == 0 ? 50.0 : 1.0, SpectralWarning.METRIC, 0.9);
            assertTrue(d.observe(e, Map.of("a", m)).isEmpty());
        }
        assertTrue(d.warning().isEmpty());
    }

    @Test
    void takesTheRecordersMetricMapsAsTheyAre() {
        // SpectralMetrics.toMap() mixes numbers and strings ("fit", "warning"); a non-number is no value
        SpectralWarning d = SpectralWarning.preRegistered();
        d.observe(0, Map.of("a", Map.<String, Object>of("fit", "ok", SpectralWarning.METRIC, 0.8)));
        for (int e = 1; e <= 3; e++) {
            assertTrue(d.observe(e, Map.of("a", Map.<String, Object>of(SpectralWarning.METRIC, "0.1"))).isEmpty());
        }
        d.observe(4, Map.of("a", Map.<String, Object>of(SpectralWarning.METRIC, 0.1f)));
        d.observe(5, Map.of("a", Map.<String, Object>of(SpectralWarning.METRIC, 0.1)));
        assertEquals(6, d.observe(6, Map.of("a", Map.<String, Object>of(SpectralWarning.METRIC, 0.1))).orElseThrow().epoch());
    }

    @Test
    void refusesSnapshotsOutOfOrder() {
        SpectralWarning d = SpectralWarning.preRegistered();
        d.observe(100, snap("a", 0.8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.observe(100, snap("a", 0.8)));
        assertEquals("epoch: snapshots must come in increasing epochs, got 100 after 100", e.getMessage());
    }

    @Test
    void otherParametersAreForSensitivityChecks() throws IOException {
        SpectralWarning d = SpectralWarning.withParameters(0.3, 3);
        List<Warning> fired = replay(d, Fixtures.GROKKING);
        assertEquals(1, fired.size());
        assertEquals(700, fired.get(0).epoch()); // W_Q 0.534..: <= 0.563 from 500 on
        assertEquals("effective_rank_normalized: x <= 0.7*max(x) x3", d.rule());
    }

    private static Map<String, Map<String, Double>> snap(String matrix, double erank) {
        return Map.of(matrix, erank(erank));
    }

    private static Map<String, Double> erank(double v) {
        return Map.of(SpectralWarning.METRIC, v);
    }

    /** The sink's undo goes back to a copy taken before the last snapshot: it must go on as the original would. */
    @Test
    void aCopyGoesOnAsTheOriginalWouldAndIndependently() {
        SpectralWarning a = SpectralWarning.preRegistered();
        a.observe(0, Map.of("W", Map.of(SpectralWarning.METRIC, 0.8)));
        a.observe(10, Map.of("W", Map.of(SpectralWarning.METRIC, 0.3)));
        SpectralWarning b = a.copy();
        a.observe(20, Map.of("W", Map.of(SpectralWarning.METRIC, 0.3)));
        a.observe(30, Map.of("W", Map.of(SpectralWarning.METRIC, 0.3))); // third in a row at <= 0.5 x 0.8
        assertEquals(30, a.warning().orElseThrow().epoch());
        assertTrue(b.warning().isEmpty(), "the copy has not seen epochs 20 and 30");
        assertThrows(IllegalArgumentException.class, () -> b.observe(10, Map.of("W", Map.of(SpectralWarning.METRIC, 0.3))),
                "the copy keeps the last epoch");
        b.observe(20, Map.of("W", Map.of(SpectralWarning.METRIC, 0.3)));
        assertTrue(b.warning().isEmpty(), "two in a row: not yet");
        b.observe(30, Map.of("W", Map.of(SpectralWarning.METRIC, 0.3)));
        assertEquals(a.summaryFields(), b.summaryFields());
    }
}
