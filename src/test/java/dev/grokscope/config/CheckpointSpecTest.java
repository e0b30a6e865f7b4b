package dev.grokscope.config;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointSpecTest {
    private static Experiment with(String... sets) {
        return ConfigLoader.parse("", "test.yaml", List.of(sets));
    }

    @Test
    void trajectoryEpochsAreEveryNPlusTheListed() {
        CheckpointSpec c = with("checkpoint.trajectoryEvery=100", "checkpoint.epochs=[250, 7]").checkpoint();
        assertEquals(List.of(7, 250), c.epochs());
        for (int e : new int[] {0, 7, 100, 250, 15000}) {
            assertTrue(c.trajectoryAt(e), "epoch " + e);
        }
        for (int e : new int[] {1, 99, 150}) {
            assertFalse(c.trajectoryAt(e), "epoch " + e);
        }
        CheckpointSpec none = with().checkpoint();
        assertFalse(none.trajectoryAt(0), "no trajectory by default");
        assertEquals(none, ConfigLoader.parse(ConfigLoader.toYaml(with()), "again", List.of()).checkpoint());
        assertEquals(c, ConfigLoader.parse(ConfigLoader.toYaml(with("checkpoint.trajectoryEvery=100",
                "checkpoint.epochs=[250, 7]")), "again", List.of()).checkpoint(), "the resolved config reads back");
    }

    @Test
    void badTrajectoriesNameTheField() {
        assertEquals("--set checkpoint.epochs=[5, 5]: checkpoint.epochs: must not repeat an epoch, got 5",
                assertThrows(BadInputException.class, () -> with("checkpoint.epochs=[5, 5]")).getMessage());
        assertTrue(assertThrows(BadInputException.class, () -> with("checkpoint.epochs=[-1]")).getMessage()
                .contains("checkpoint.epochs: must be between 0 and 10000000, got -1"));
        assertTrue(assertThrows(BadInputException.class, () -> with("checkpoint.trajectoryEvery=-3")).getMessage()
                .contains("checkpoint.trajectoryEvery: must be between 0 and 10000000, got -3"));
    }
}
