package dev.grokscope.data;

import dev.grokscope.config.DataSpec;
import dev.grokscope.config.Seeds;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitTest {
    @Test
    void operationsAgreeWithTheirFormulas() {
        int p = 13;
        for (int x = 0; x < p; x++) {
            for (int y = 0; y < p; y++) {
                assertEquals(Math.floorMod(x - y, p), Operation.SUB.apply(x, y, p));
                assertEquals(Math.floorMod(x * x * x + x * y * y + y, p), Operation.X3_XY2_Y.apply(x, y, p));
                if (y != 0) {
                    int q = Operation.DIV.apply(x, y, p);
                    assertEquals(x, q * y % p, "division is the inverse of multiplication");
                }
            }
        }
        assertEquals(13 * 12, ModularDataset.all(Operation.DIV, p).size());
    }

    @Test
    void splitIsSeededDisjointAndComplete() {
        DataSpec spec = new DataSpec(23, Operation.ADD, 0.3, false);
        Split a = Split.of(spec, Seeds.of(7));
        Split b = Split.of(spec, Seeds.of(7));
        Split c = Split.of(spec, Seeds.of(8));
        assertEquals(a, b);
        assertNotEquals(a.train(), c.train());
        assertEquals((int) Math.floor(0.3 * 529), a.train().size());
        Set<Integer> seen = new HashSet<>();
        for (ModularDataset d : new ModularDataset[] {a.train(), a.val()}) {
            for (int i = 0; i < d.size(); i++) {
                assertTrue(seen.add(d.x()[i] * 23 + d.y()[i]), "pair appears twice");
                assertEquals((d.x()[i] + d.y()[i]) % 23, d.labels()[i]);
            }
        }
        assertEquals(529, seen.size());
    }

    @Test
    void randomLabelsPermuteTrainingLabelsOnly() {
        Split clean = Split.of(new DataSpec(23, Operation.MUL, 0.5, false), Seeds.of(1));
        Split noisy = Split.of(new DataSpec(23, Operation.MUL, 0.5, true), Seeds.of(1));
        assertEquals(clean.val(), noisy.val());
        assertArrayEquals(clean.train().x(), noisy.train().x());
        int[] a = clean.train().labels().clone();
        int[] b = noisy.train().labels().clone();
        assertTrue(!Arrays.equals(a, b), "labels permuted");
        Arrays.sort(a);
        Arrays.sort(b);
        assertArrayEquals(a, b, "class balance kept");
    }
}
