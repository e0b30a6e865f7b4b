package dev.grokscope.state;

import dev.grokscope.eval.Scores;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Means of the pairs of branches per branch epoch, in numeric epoch order. */
class ModeConnectivityTest {
    /** A three-point line whose midpoint's losses sit {@code bump} above the endpoints' (1.0 and 1.0). */
    private static Line line(double bump, double midValError, double sva) {
        List<Scores> s = List.of(new Scores(1.0, 1.0, 1.0, 1.0, 1), new Scores(1 + bump, 0.5, 1 + bump, 1 - midValError, 1),
                new Scores(1.0, 1.0, 1.0, 1.0, 1));
        return new Line(new double[] {0, 0.5, 1}, s, Map.of("W", sva));
    }

    @Test
    void meansArePerBranchEpochInNumericOrder() {
        ModeConnectivity lmc = new ModeConnectivity(List.of("W"));
        lmc.add(new ModeConnectivity.Pair("trunk", 10, "a", "b", line(0.2, 0.0, 0.5)));
        lmc.add(new ModeConnectivity.Pair("trunk", 2, "c", "d", line(1.0, 0.4, 0.1)));
        lmc.add(new ModeConnectivity.Pair("trunk", 10, "a", "c", line(0.4, 0.2, 0.7)));
        List<ModeConnectivity.EpochMeans> m = lmc.byBranchEpoch();
        assertEquals(List.of(2, 10), m.stream().map(ModeConnectivity.EpochMeans::branchEpoch).toList());
        assertEquals(1, m.get(0).pairs());
        assertEquals(1.0, m.get(0).lossBarrierVal(), 1e-12);
        assertEquals(0.4, m.get(0).errorInstabilityVal(), 1e-12);
        assertEquals(2, m.get(1).pairs());
        assertEquals(0.3, m.get(1).lossBarrierVal(), 1e-12);
        assertEquals(0.3, m.get(1).lossBarrierTrain(), 1e-12);
        assertEquals(0.1, m.get(1).errorInstabilityVal(), 1e-12);
        assertEquals(0.6, m.get(1).sva().get("W"), 1e-12);
        assertEquals(3, lmc.pairs().size());
    }

    @Test
    void aPairWithoutTheSvaOfAMatrixIsRefused() {
        ModeConnectivity lmc = new ModeConnectivity(List.of("W", "U"));
        assertThrows(IllegalArgumentException.class,
                () -> lmc.add(new ModeConnectivity.Pair("trunk", 0, "a", "b", line(0.1, 0, 0.5))));
    }
}
