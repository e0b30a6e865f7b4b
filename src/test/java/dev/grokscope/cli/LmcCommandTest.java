package dev.grokscope.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** lmc.csv lists branch epochs in numeric order, per trunk. */
class LmcCommandTest {
    @Test
    void parentStatesSortByTrunkThenNumericEpoch() {
        var groups = new TreeMap<LmcCommand.ParentState, String>();
        for (int e : new int[] {40, 0, 10, 2, 5, 1, 20}) {
            groups.put(new LmcCommand.ParentState("trunk", e), "x");
        }
        groups.put(new LmcCommand.ParentState("another", 7), "y");
        assertEquals(List.of("another@7", "trunk@0", "trunk@1", "trunk@2", "trunk@5", "trunk@10", "trunk@20", "trunk@40"),
                groups.keySet().stream().map(Object::toString).toList());
    }
}
