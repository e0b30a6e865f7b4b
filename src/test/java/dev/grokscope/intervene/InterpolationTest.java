package dev.grokscope.intervene;

import dev.grokscope.results.Npy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class InterpolationTest {
    private final Map<String, Npy.Array> a = Map.of("W", new Npy.Array(new int[] {2, 2}, new double[] {0.1, -3.7, 1e-9, 5}));
    private final Map<String, Npy.Array> b = Map.of("W", new Npy.Array(new int[] {2, 2}, new double[] {0.3, 2.2, -7, 1.0 / 3}));

    @Test
    void endsAreTheEndpointsExactly() {
        assertArrayEquals(a.get("W").data(), Interpolation.at(a, b, 0).get("W").data(), 0.0);
        assertArrayEquals(b.get("W").data(), Interpolation.at(a, b, 1).get("W").data(), 0.0);
        assertArrayEquals(new double[] {0.2, -0.75, (1e-9 - 7) / 2, (5 + 1.0 / 3) / 2},
                Interpolation.at(a, b, 0.5).get("W").data(), 1e-15);
        double[] al = Interpolation.alphas(11);
        assertEquals(0.0, al[0]);
        assertEquals(1.0, al[10]);
        assertEquals(0.3, al[3], 1e-15);
    }

    @Test
    void barrierIsTheExcessOverTheChordAndInstabilityOverTheMean() {
        double[] al = Interpolation.alphas(5); // 0, .25, .5, .75, 1
        List<Double> loss = List.of(1.0, 2.5, 4.0, 3.0, 2.0); // chord 1.25, 1.5, 1.75 inside
        assertEquals(4.0 - 1.5, Interpolation.barrier(al, loss), 1e-15);
        assertEquals(4.0 - 1.5, Interpolation.instability(loss), 1e-15); // mean of ends 1.5
        List<Double> convex = List.of(1.0, 0.5, 0.4, 0.6, 1.0);
        assertEquals(0.6 - 1.0, Interpolation.barrier(al, convex), 1e-15, "below the chord: negative barrier");
    }
}
