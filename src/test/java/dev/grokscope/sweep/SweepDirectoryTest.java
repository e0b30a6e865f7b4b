package dev.grokscope.sweep;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Re-planning a sweep into its own directory: the same experiments continue, other ones are refused. */
class SweepDirectoryTest {
    @TempDir
    Path tmp;

    private SweepPlan plan() throws IOException {
        Path f = tmp.resolve("s.yaml");
        Files.writeString(f, """
                base: {data: {p: 11}, training: {epochs: 3}}
                grid:
                  seed: [0, 1]
                """);
        return SweepPlan.of(SweepSpec.load(f));
    }

    @Test
    void aConfigSavedByAnEarlierVersionWithoutANewDefaultStillContinues() throws IOException {
        SweepPlan plan = plan();
        SweepDirectory dir = new SweepDirectory(tmp.resolve("out"));
        dir.writePlan(plan);
        Path saved = dir.config("seed=0");
        String text = Files.readString(saved);
        // What an earlier version wrote: the same experiment without a key that now has a default.
        String older = text.replaceFirst("(?m)^ *evalEvery: .*\\n", "");
        assertTrue(older.length() < text.length(), "the test must remove a line");
        Files.writeString(saved, older);

        dir.writePlan(plan);

        assertEquals(older, Files.readString(saved), "the config the point was planned with is kept");
    }

    @Test
    void aConfigThatResolvesToAnotherExperimentIsRefused() throws IOException {
        SweepPlan plan = plan();
        SweepDirectory dir = new SweepDirectory(tmp.resolve("out"));
        dir.writePlan(plan);
        Path saved = dir.config("seed=1");
        Files.writeString(saved, Files.readString(saved).replaceFirst("epochs: 3", "epochs: 4"));

        BadInputException e = assertThrows(BadInputException.class, () -> dir.writePlan(plan));
        assertTrue(e.getMessage().contains("point seed=1 was planned there with another config"), e.getMessage());
    }

    @Test
    void aSavedConfigThatNoLongerParsesIsAnotherConfig() throws IOException {
        SweepPlan plan = plan();
        SweepDirectory dir = new SweepDirectory(tmp.resolve("out"));
        dir.writePlan(plan);
        Files.writeString(dir.config("seed=0"), Files.readString(dir.config("seed=0")) + "retired: true\n");

        assertThrows(BadInputException.class, () -> dir.writePlan(plan));
    }
}
