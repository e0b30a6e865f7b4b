package dev.grokscope.warn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalInt;

class MetricWarningTest {

    /** The epoch the baseline fires at on the series v[0], v[1], ... at epochs 0, 1, ... */
    private static OptionalInt firstFiring(MetricWarning w, double... v) {
        int fired = -1;
        for (int e = 0; e < v.length; e++) {
            Optional<Warning> got = w.observe(e, v[e]);
            if (got.isPresent()) {
                assertEquals(-1, fired, "fires once");
                fired = got.get().epoch();
            }
        }
        return fired < 0 ? OptionalInt.empty() : OptionalInt.of(fired);
    }

    @Test
    void trainLossSpikeFiresWhenTheLossJumpsTenfoldAboveItsLowest() {
        // falls to 1e-6, climbs 5x (quiet), then 10x the lowest so far
        assertEquals(OptionalInt.of(5), firstFiring(MetricWarning.trainLossSpike(), 4.7, 0.1, 1e-4, 1e-6, 5e-6, 1e-5, 2e-3));
    }

    @Test
    void trainLossSpikeIsQuietOnAFallingOrNoisyLoss() {
        assertEquals(OptionalInt.empty(), firstFiring(MetricWarning.trainLossSpike(), 1.0, 0.8, 0.85, 0.6, 0.5, 0.9, 0.3, 0.29));
        assertEquals(OptionalInt.empty(), firstFiring(MetricWarning.trainLossSpike(), 1.0, 0.0, 5.0),
                "a loss of exactly 0 is no base for a ratio");
    }

    @Test
    void trainLossSpikeComparesWithTheLossesBeforeNotIncludingItself() {
        assertEquals(OptionalInt.of(1), firstFiring(MetricWarning.trainLossSpike(), 1.0, 10.0));
        assertEquals(OptionalInt.empty(), firstFiring(MetricWarning.trainLossSpike(), 1.0, 9.99));
    }

    @Test
    void weightNormDropFiresAfterThreeEvaluationsTenPercentBelowItsMaximum() {
        // max 60, so 54 is the line: 53.9 counts, 54.1 does not and restarts the count
        assertEquals(OptionalInt.of(8),
                firstFiring(MetricWarning.weightNormDrop(), 37, 58, 60, 53.9, 53.9, 54.1, 53, 52, 40));
    }

    @Test
    void weightNormDropIsQuietOnAGrowingNorm() {
        assertEquals(OptionalInt.empty(), firstFiring(MetricWarning.weightNormDrop(), 18, 22, 32, 35, 34, 33, 36, 41));
    }

    @Test
    void nonFiniteValuesBreakARunAndAreNoEvidence() {
        assertEquals(OptionalInt.of(6), firstFiring(MetricWarning.weightNormDrop(), 60, 50, 50, Double.NaN, 50, 50, 50));
        assertEquals(OptionalInt.empty(), firstFiring(MetricWarning.weightNormDrop(), 60, 50, 50, Double.NaN, 50, 50));
        assertEquals(OptionalInt.empty(), firstFiring(MetricWarning.trainLossSpike(), 1.0, Double.NaN, Double.POSITIVE_INFINITY, 0.5));
    }

    @Test
    void warningsNameTheColumnAndTheRule() {
        MetricWarning loss = MetricWarning.trainLossSpike();
        loss.observe(0, 1.0);
        assertEquals(new Warning(1, "train_loss", "train_loss: x >= 10*min(x before)"), loss.observe(1, 20).orElseThrow());
        MetricWarning norm = MetricWarning.weightNormDrop();
        assertEquals("weight_norm: x <= 0.9*max(x) x3", norm.rule());
        assertTrue(norm.warning().isEmpty());
    }

    @Test
    void refusesEvaluationsOutOfOrder() {
        MetricWarning w = MetricWarning.weightNormDrop();
        w.observe(10, 1.0);
        assertThrows(IllegalArgumentException.class, () -> w.observe(9, 1.0));
    }
}
