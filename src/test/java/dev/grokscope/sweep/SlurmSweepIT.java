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
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * Branches of a trunk at two saved epochs and two seeds as a SLURM array; each branch records its
     * parent, ends as the same branch run locally does, and lmc reads the sweep.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aBranchSweepRunsAsAnArrayAndLmcReadsIt() throws Exception {
        Path base = tmp.resolve("trunk.yaml");
        Files.writeString(base, """
                data: {p: 11}
                model: {type: mlp, width: 32}
                optimizer: {lr: 0.01}
                training: {epochs: 12, batchSize: 16}
                instrumentation: {spectraEvery: 0, finalWeights: false}
                output: {progress: none, report: false}
                """);
        Path trunk = tmp.resolve("trunk");
        assertEquals(0, Main.execute("run", base.toString(), "--set", "checkpoint.epochs=[0,4]",
                "--set", "checkpoint.trajectoryOptimizer=true", "--out", trunk.toString()));
        Path f = LocalSweepTest.write(tmp, """
                name: slurm-branches
                base: trunk.yaml
                grid:
                  from: [trunk@0, trunk@4]
                  seed: [5, 6]
                slurm:
                  cpusPerTask: 1
                  time: "00:10:00"
                """);
        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString(), "--executor", "slurm", "--wait"));
        List<String> ids = List.of("from=trunk_0,seed=5", "from=trunk_0,seed=6", "from=trunk_4,seed=5", "from=trunk_4,seed=6");
        for (String id : ids) {
            var rj = LocalSweepTest.runJson(out, id);
            assertEquals("completed", rj.path("status").asText(), id);
            assertEquals(id.contains("trunk_4") ? 4 : 0, rj.path("parent").path("epoch").asInt(), rj.toString());
        }
        assertTrue(Files.readString(out.resolve("sbatch.sh")).contains("#SBATCH --array=0-3\n"));

        // A branch run by SLURM is the branch run here.
        Path ref = tmp.resolve("ref");
        assertEquals(0, Main.execute("run", out.resolve("configs").resolve("from=trunk_4,seed=6.yaml").toString(),
                "--out", ref.toString()));
        assertEquals(metricsWithoutTimes(ref), metricsWithoutTimes(out.resolve("runs").resolve("from=trunk_4,seed=6")));

        assertEquals(0, Main.execute("lmc", out.toString()));
        List<String> lmc = Files.readAllLines(out.resolve("lmc.csv"));
        List<String> header = List.of(lmc.get(0).split(","));
        int epoch = header.indexOf("branch_epoch");
        assertEquals(List.of("0", "4"), lmc.subList(1, lmc.size()).stream().map(l -> l.split(",")[epoch]).toList());
    }

    /** Runs a command, returning its output; fails on a non-zero exit. */
    private static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** metrics.csv without the machine columns (elapsed_s, rss_mb), which differ between any two runs. */
    private static List<String> metricsWithoutTimes(Path run) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        int elapsed = header.indexOf("elapsed_s");
        int rss = header.indexOf("rss_mb");
        return lines.stream().map(l -> {
            String[] c = l.split(",", -1);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < c.length; i++) {
                if (i != elapsed && i != rss) {
                    b.append(c[i]).append(',');
                }
            }
            return b.toString();
        }).toList();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aRequeuedTaskResumesItsPointAndEndsAsAnUninterruptedOne() throws Exception {
        Path f = LocalSweepTest.write(tmp, LocalSweepTest.BASE.replace("training: {epochs: 30}", "training: {epochs: 1500}")
                .replace("spectraEvery: 10, finalWeights: false", "spectraEvery: 250, finalWeights: true") + """
                name: slurm-requeue
                set: {checkpoint.everyEpochs: 50}
                grid:
                  seed: [0]
                slurm:
                  cpusPerTask: 1
                  time: "00:10:00"
                """);
        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString(), "--executor", "slurm"));
        String job = Files.readString(out.resolve("jobs.json")).replaceAll("(?s).*\"job_id\" *: *\"(\\d+)\".*", "$1");
        Path run = out.resolve("runs").resolve("seed=0");

        // Wait until the run has written a checkpoint, then requeue its task, as preemption would.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline && dev.grokscope.results.Checkpoint.list(run).isEmpty()) {
            Thread.sleep(20);
        }
        assertTrue(!dev.grokscope.results.Checkpoint.list(run).isEmpty(), "no checkpoint appeared");
        sh("scontrol", "requeue", job + "_0");
        // SIGTERM reaches the run: it writes a checkpoint and marks itself interrupted.
        while (System.nanoTime() < deadline && !LocalSweepTest.runJson(out, "seed=0").path("status").asText().equals("interrupted")) {
            assertTrue(!LocalSweepTest.runJson(out, "seed=0").path("status").asText().equals("completed"),
                    "the run completed before the requeue reached it");
            Thread.sleep(20);
        }
        assertEquals("interrupted", LocalSweepTest.runJson(out, "seed=0").path("status").asText());
        // A requeued job waits for a begin time (about 2 minutes); let it start now.
        while (System.nanoTime() < deadline && !sh("squeue", "-h", "-j", job, "-o", "%T").contains("PENDING")) {
            Thread.sleep(50);
        }
        sh("scontrol", "update", "jobid=" + job + "_0", "StartTime=now");
        while (System.nanoTime() < deadline && SlurmExecutor.active(job)) {
            Thread.sleep(200);
        }
        assertFalse(SlurmExecutor.active(job), "the requeued task did not finish in time");

        var rj = LocalSweepTest.runJson(out, "seed=0");
        assertEquals("completed", rj.path("status").asText(), rj.toString());
        assertEquals(1, rj.path("resumes").size(), rj.toString());
        assertTrue(rj.path("resumes").get(0).path("after_epoch").asInt() >= 50, rj.toString());
        String log = Files.readString(out.resolve("runs").resolve("seed=0.log"));
        assertTrue(log.contains("grokscope sweep: run seed=0") && log.contains("grokscope sweep: resume seed=0"), log);

        // The same point uninterrupted, locally: the same metrics and bit-identical final weights.
        Path ref = tmp.resolve("ref");
        assertEquals(0, Main.execute("run", out.resolve("configs").resolve("seed=0.yaml").toString(), "--out", ref.toString()));
        assertEquals(metricsWithoutTimes(ref), metricsWithoutTimes(run));
        Map<String, byte[]> want = LocalSweepTest.files(ref.resolve("weights").resolve("final"));
        Map<String, byte[]> got = LocalSweepTest.files(run.resolve("weights").resolve("final"));
        assertEquals(want.keySet(), got.keySet());
        want.forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, got.get(k)), k + " differs after the requeue"));
    }
}
