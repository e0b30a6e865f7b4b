package dev.grokscope.sweep;

import dev.grokscope.cli.Main;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A sweep through a real SLURM cluster: {@code .ci/slurm/up.sh} starts a single-node one on this machine
 * (it needs root). Without a cluster the test is skipped, unless the environment variable CI is set:
 * then it fails, so that CI never passes without having run it. The array tasks run this JVM's java
 * and classpath (absolute paths on the same machine).
 */
class SlurmSweepIT {
    @TempDir
    Path tmp;

    @BeforeAll
    static void slurmUp() throws Exception {
        Path up = Path.of(".ci", "slurm", "up.sh");
        String problem;
        try {
            Process p = new ProcessBuilder("bash", up.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean done = p.waitFor(300, TimeUnit.SECONDS);
            problem = !done ? "timed out after 300 s" : p.exitValue() != 0 ? "exit " + p.exitValue() + ": " + tail(out) : null;
        } catch (IOException e) {
            problem = e.getMessage();
        }
        if (problem == null) {
            return;
        }
        String message = "no SLURM cluster: 'bash " + up + "' (run from the project root, as root) failed: " + problem;
        if (System.getenv("CI") != null && !System.getenv("CI").isEmpty()) {
            fail(message + " (CI is set, so this is a failure, not a skip)");
        }
        Assumptions.abort(message);
    }

    private static String tail(String s) {
        List<String> lines = s.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void arraySweepRunsEveryPointAndAggregates() throws Exception {
        Path f = LocalSweepTest.write(tmp, LocalSweepTest.BASE + """
                name: slurm-it
                grid:
                  optimizer.weightDecay: [0, 1]
                  seed: [0, 1]
                slurm:
                  cpusPerTask: 1
                  time: "00:10:00"
                """);
        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString(), "--executor", "slurm", "--wait"));
        List<String> ids = List.of("wd=0,seed=0", "wd=0,seed=1", "wd=1,seed=0", "wd=1,seed=1");
        for (String id : ids) {
            assertEquals("completed", LocalSweepTest.runJson(out, id).path("status").asText(), id);
            assertTrue(Files.readString(out.resolve("runs").resolve(id + ".log")).contains("completed"), id);
        }
        Map<String, String> rows = LocalSweepTest.summaryRows(out);
        assertEquals(ids.size(), rows.size());
        ids.forEach(id -> assertTrue(rows.get(id).contains(",completed,"), rows.get(id)));
        assertTrue(Files.readString(out.resolve("sbatch.sh")).contains("#SBATCH --array=0-3\n"));
        String jobs = Files.readString(out.resolve("jobs.json"));
        assertTrue(jobs.contains("\"job_id\""), jobs);

        // Submitting again finds every point finished and submits nothing.
        assertEquals(0, Main.execute("sweep", out.toString(), "--executor", "slurm", "--wait"));
        assertEquals(jobs, Files.readString(out.resolve("jobs.json")));
    }
}
