package dev.grokscope.sweep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GridTest {
    @TempDir
    Path tmp;

    private SweepSpec spec(String yaml) throws IOException {
        Path f = tmp.resolve("s.yaml");
        Files.writeString(f, yaml);
        return SweepSpec.load(f);
    }

    private static List<String> ids(List<Point> points) {
        return points.stream().map(Point::id).toList();
    }

    @Test
    void productHasTheFirstAxisSlowestAndRunsLast() throws IOException {
        SweepSpec s = spec("""
                base: {data: {p: 11}}
                grid:
                  optimizer.weightDecay: [0, 0.3, 1.0]
                  seed: [0, 1]
                runs:
                  - {optimizer.lr: 1.0e-3, seed: 5}
                """);
        List<Point> points = Grid.expand(s);
        assertEquals(List.of("wd=0,seed=0", "wd=0,seed=1", "wd=0.3,seed=0", "wd=0.3,seed=1", "wd=1,seed=0", "wd=1,seed=1",
                "lr=0.001,seed=5"), ids(points));
        for (int i = 0; i < points.size(); i++) {
            assertEquals(i, points.get(i).index());
        }
        assertEquals(List.of("optimizer.weightDecay=0.3", "seed=1"), points.get(3).overrides());
        assertEquals(List.of("optimizer.weightDecay", "seed", "optimizer.lr"), Grid.axisKeys(s));
    }

    @Test
    void unknownKeysUseTheirLastSegmentAndClashingOnesTheWholeKey() {
        assertEquals(Map.of("model.width", "width", "training.evalEvery", "evalEvery", "a.x", "a.x", "b.x", "b.x"),
                Grid.aliases(List.of("model.width", "training.evalEvery", "a.x", "b.x")));
    }

    @Test
    void idsAreFileNameSafeAndUnique() throws IOException {
        SweepSpec s = spec("""
                base: {}
                grid:
                  data.operation: [x2+y2, "a/b c", 1, "1"]
                """);
        assertEquals(List.of("op=x2+y2", "op=a_b_c", "op=1", "op=1-2"), ids(Grid.expand(s)));
        assertEquals("_hidden", Grid.sanitize(".hidden"));
    }

    @Test
    void numbersAreShownWithoutTrailingZeros() {
        var f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        assertEquals("1", Point.show(f.numberNode(1.0)));
        assertEquals("0.001", Point.show(f.numberNode(1e-3)));
        assertEquals("1E-8", Point.show(f.numberNode(1e-8)));
        assertEquals("1000", Point.show(f.numberNode(1e3)));
        assertEquals("true", Point.show(f.booleanNode(true)));
        assertEquals("[1,2]", Point.show(f.arrayNode().add(1).add(2)));
    }

    @Test
    void arrayIndicesAreCompressedToRanges() {
        assertEquals("0-3,5,7-8%2", SlurmExecutor.array(List.of(0, 1, 2, 3, 5, 7, 8), 2));
        assertEquals("4", SlurmExecutor.array(List.of(4), 0));
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertEquals(2.0, Aggregator.median(new double[] {3, 1, 2}));
        assertEquals(2.5, Aggregator.median(new double[] {4, 1, 2, 3}));
        assertEquals(null, Aggregator.median(new double[0]));
    }
}
