package dev.grokscope.intervene;

import dev.grokscope.config.MaskSpec;
import dev.grokscope.results.Npy;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskTest {
    private static Map<String, Npy.Array> params(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Npy.Array> p = new LinkedHashMap<>();
        p.put("a", new Npy.Array(new int[] {7, 5}, r.doubles(35, -1, 1).toArray()));
        p.put("bias", new Npy.Array(new int[] {5}, r.doubles(5, -1, 1).toArray()));
        p.put("b", new Npy.Array(new int[] {5, 9}, r.doubles(45, -3, 3).toArray())); // larger: gets more of the budget
        return p;
    }

    @Test
    void magnitudeKeepsExactlyTheRoundedFractionGloballyAndTheLargest() {
        Map<String, Npy.Array> p = params(1);
        for (double keep : new double[] {0.05, 0.1, 0.37, 0.5, 1.0}) {
            Map<String, Npy.Array> m = Mask.magnitude(p, List.of("a", "b"), keep);
            assertEquals(List.of("a", "b"), List.copyOf(m.keySet()));
            long kept = Mask.count(m.get("a")) + Mask.count(m.get("b"));
            assertEquals(Math.max(1, Math.round(keep * 80)), kept, "keep " + keep);
            double minKept = Double.POSITIVE_INFINITY;
            double maxDropped = 0;
            for (String n : List.of("a", "b")) {
                for (int i = 0; i < p.get(n).data().length; i++) {
                    double w = Math.abs(p.get(n).data()[i]);
                    if (m.get(n).data()[i] == 1) {
                        minKept = Math.min(minKept, w);
                    } else {
                        assertEquals(0.0, m.get(n).data()[i]);
                        maxDropped = Math.max(maxDropped, w);
                    }
                }
            }
            assertTrue(minKept >= maxDropped, "one global threshold at keep " + keep);
        }
        Map<String, Npy.Array> half = Mask.magnitude(p, List.of("a", "b"), 0.5);
        assertTrue(Mask.count(half.get("b")) > Mask.count(half.get("a")), "the wider-valued matrix keeps more: global, not per layer");
    }

    @Test
    void tiesAtTheThresholdKeepTheEarliestEntries() {
        Map<String, Npy.Array> p = Map.of("a", new Npy.Array(new int[] {2, 3}, new double[] {1, -1, 1, 2, 1, -1}));
        Map<String, Npy.Array> m = Mask.magnitude(p, List.of("a"), 0.5); // 3 of 6: the 2, then the first two of five 1s
        assertArrayEquals(new double[] {1, 1, 0, 1, 0, 0}, m.get("a").data());
    }

    @Test
    void randomKeepsTheMagnitudeMasksCountPerMatrixElsewhere() {
        Map<String, Npy.Array> p = params(2);
        Map<String, Npy.Array> mag = Mask.of(MaskSpec.Kind.MAGNITUDE, p, List.of("a", "b"), 0.2, 7);
        Map<String, Npy.Array> r7 = Mask.of(MaskSpec.Kind.RANDOM, p, List.of("a", "b"), 0.2, 7);
        Map<String, Npy.Array> r8 = Mask.of(MaskSpec.Kind.RANDOM, p, List.of("a", "b"), 0.2, 8);
        for (String n : List.of("a", "b")) {
            assertEquals(Mask.count(mag.get(n)), Mask.count(r7.get(n)), n);
            assertEquals(Mask.count(mag.get(n)), Mask.count(r8.get(n)), n);
            assertArrayEquals(r7.get(n).data(), Mask.of(MaskSpec.Kind.RANDOM, p, List.of("a", "b"), 0.2, 7).get(n).data());
        }
        assertFalse(java.util.Arrays.equals(r7.get("b").data(), r8.get("b").data()), "seeds draw different masks");
        assertFalse(java.util.Arrays.equals(r7.get("b").data(), mag.get("b").data()), "random is not the magnitude mask");
    }

    @Test
    void applyZeroesWhatTheMaskDropsAndPassesTheRestThrough() {
        Map<String, Npy.Array> p = params(3);
        Map<String, Npy.Array> m = Mask.magnitude(p, List.of("a"), 0.1);
        Map<String, Npy.Array> out = Mask.apply(p, m);
        assertArrayEquals(p.get("b").data(), out.get("b").data());
        assertArrayEquals(p.get("bias").data(), out.get("bias").data());
        for (int i = 0; i < 35; i++) {
            assertEquals(m.get("a").data()[i] == 1 ? p.get("a").data()[i] : 0.0, out.get("a").data()[i]);
        }
    }

    @Test
    void keepOutsideTheUnitIntervalAndNoMatricesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Mask.kept(10, 0));
        assertThrows(IllegalArgumentException.class, () -> Mask.kept(10, 1.01));
        assertThrows(IllegalArgumentException.class, () -> Mask.magnitude(params(1), List.of(), 0.5));
        assertEquals(1, Mask.kept(10, 0.01), "at least one weight is kept");
    }
}
