package dev.grokscope.sweep;

import dev.grokscope.BadInputException;
import dev.grokscope.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every point is checked before anything is written; errors are one line naming the sweep file and axis. */
class SweepValidationTest {
    @TempDir
    Path tmp;

    private Path write(String yaml) throws IOException {
        Path f = tmp.resolve("bad.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private String error(String yaml) throws IOException {
        Path f = write(yaml);
        BadInputException e = assertThrows(BadInputException.class, () -> SweepPlan.of(SweepSpec.load(f)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void unknownAxisKeyExitsTwoAndWritesNothing() throws IOException {
        Path f = write("""
                base: {data: {p: 11}}
                grid:
                  seed: [0, 1]
                  optimizer.weightDeccay: [0, 1]
                """);
        Path out = tmp.resolve("out");
        assertEquals(Main.BAD_INPUT, Main.execute("sweep", f.toString(), "--out", out.toString()));
        assertFalse(Files.exists(out));
        String m = error(Files.readString(f));
        assertTrue(m.startsWith(f + ":4: grid axis optimizer.weightDeccay = 0: "), m);
        assertTrue(m.contains("unknown key"), m);
    }

    @Test
    void badValueNamesTheAxisAndTheRule() throws IOException {
        String m = error("""
                base: {data: {p: 11}}
                grid:
                  optimizer.weightDecay: [0, -1]
                """);
        assertTrue(m.matches(".*bad.yaml:3: grid axis optimizer.weightDecay = -1: optimizer.weightDecay: .*"), m);
    }

    @Test
    void badRunEntryNamesRuns() throws IOException {
        String m = error("""
                base: {data: {p: 11}}
                grid: {seed: [0]}
                runs:
                  - {data.p: 12}
                """);
        assertTrue(m.matches(".*bad.yaml:3: runs\\[0\\] data.p = 12: data.p: .*prime.*"), m);
    }

    @Test
    void sweepFileItselfIsStrict() throws IOException {
        assertTrue(error("base: {}\ngrid: {seed: [0]}\ngird: {}\n").contains("bad.yaml:3: gird: unknown key"));
        assertTrue(error("base: {}\ngrid: {seed: 0}\n").contains("grid.seed: must be a non-empty list"));
        assertTrue(error("base: {}\ngrid: {seed: [0, 0]}\n").contains("appears twice"));
        assertTrue(error("base: missing.yaml\ngrid: {seed: [0]}\n").contains("no such file"));
        assertTrue(error("base: {}\n").contains("nothing to run"));
        assertTrue(error("base: {}\ngrid: {seed: [0]}\nslurm: {gpusPerTask: 1, gres: 'gpu:1'}\n")
                .contains("gpusPerTask or gres"));
        assertTrue(error("base: {}\ngrid: {seed: [0]}\nslurm: {extra: ['--qos=x']}\n").contains("#SBATCH"));
    }

    @Test
    void theBaseFileIsRelativeToTheSweepFile() throws IOException {
        Files.createDirectories(tmp.resolve("configs/sweeps"));
        Files.writeString(tmp.resolve("configs/base.yaml"), "data: {p: 13}\n");
        Path f = tmp.resolve("configs/sweeps/s.yaml");
        Files.writeString(f, "base: ../base.yaml\nset: {training.epochs: 7}\ngrid: {seed: [0, 1]}\n");
        SweepPlan plan = SweepPlan.of(SweepSpec.load(f));
        assertEquals(13, plan.points().get(1).experiment().data().p());
        assertEquals(7, plan.points().get(1).experiment().training().epochs());
        assertEquals(1, plan.points().get(1).experiment().seed());
    }

    @Test
    void aNonEmptyDirectoryThatIsNoSweepIsNotWrittenInto() throws IOException {
        Path f = write("base: {data: {p: 11}}\ngrid: {seed: [0]}\n");
        Path out = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        assertEquals(Main.BAD_INPUT, Main.execute("sweep", f.toString(), "--out", out.toString(), "--dry-run"));
        assertFalse(Files.exists(out.resolve("plan.csv")));
    }

    @Test
    void tooManyThreadsForTheCoresIsBadInput() {
        assertThrows(BadInputException.class, () -> LocalExecutor.of(new SweepDirectory(tmp), 2, 2, 2, System.err));
        assertEquals(1, LocalExecutor.of(new SweepDirectory(tmp), 0, 2, 2, System.err).jobs());
        assertEquals(4, LocalExecutor.of(new SweepDirectory(tmp), 0, 1, 4, System.err).jobs());
    }
}
