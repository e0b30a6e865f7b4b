package dev.grokscope.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two experiments draw the same data when their data sections agree once the data seeds are resolved. */
class ExperimentDataTest {
    private static Experiment parse(String... sets) {
        return ConfigLoader.parse("data: {p: 11}\n", "test.yaml", List.of(sets));
    }

    @Test
    void branchesOfOneTrunkDrawTheirParentsData() {
        Experiment trunk = parse("seed=0");
        Experiment branch = parse("seed=4", "data.seed=0"); // what a branch of the trunk resolves to
        assertTrue(branch.sameDataAs(trunk));
        assertTrue(trunk.sameDataAs(branch));
    }

    @Test
    void anotherSeedOrAnotherTaskIsOtherData() {
        assertFalse(parse("seed=4").sameDataAs(parse("seed=0")));
        assertFalse(parse("seed=0", "data.seed=3").sameDataAs(parse("seed=0")));
        assertFalse(parse("seed=0", "data.randomLabels=true").sameDataAs(parse("seed=0")));
        assertFalse(parse("seed=0", "data.trainFraction=0.4").sameDataAs(parse("seed=0")));
    }
}
