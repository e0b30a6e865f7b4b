package dev.grokscope.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.cli.Main;
import dev.grokscope.results.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Local sweeps for real: each point a grokscope run subprocess on a p = 11 task of a few epochs. */
class LocalSweepTest {
    /** A tiny MLP task: a run takes a few seconds, most of it JVM and ND4J start-up. */
    static final String BASE = """
            base:
              data: {p: 11}
              model: {type: mlp, width: 32}
              optimizer: {lr: 0.01}
              training: {epochs: 30}
              instrumentation: {spectraEvery: 10, finalWeights: false}
              output: {progress: log}
            """;

    @TempDir
    Path tmp;

    static Path write(Path dir, String yaml) throws IOException {
        Path f = dir.resolve("sweep.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    static JsonNode runJson(Path out, String id) throws IOException {
        return Json.mapper().readTree(out.resolve("runs").resolve(id).resolve("run.json").toFile());
    }

    /** summary.csv's data rows as id -> whole line. */
    static Map<String, String> summaryRows(Path out) throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("summary.csv"));
        Map<String, String> rows = new HashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String id = l.startsWith("\"") ? l.substring(1, l.indexOf('"', 1)) : l.substring(0, l.indexOf(','));
            assertEquals(null, rows.put(id, l), "duplicate row for " + id);
        }
        return rows;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void killedSweepCompletesOnRerunWithoutRedoingFinishedPoints() throws Exception {
        Path f = write(tmp, BASE + "grid:\n  seed: [0, 1, 2]\n");
        Path out = tmp.resolve("out");
        List<String> ids = List.of("seed=0", "seed=1", "seed=2");

        Process sweep = new ProcessBuilder(JavaLauncher.command(List.of(), List.of("sweep", f.toString(), "--out",
                out.toString(), "--jobs", "1"))).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("first.log").toFile()).start();
        String done = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (done == null && System.nanoTime() < deadline && sweep.isAlive()) {
            for (String id : ids) {
                Path rj = out.resolve("runs").resolve(id).resolve("run.json");
                if (Files.isRegularFile(rj) && runJson(out, id).path("status").asText().equals("completed")) {
                    done = id;
                }
            }
            Thread.sleep(100);
        }
        assertTrue(sweep.isAlive(), "the sweep finished before it could be killed: " + Files.readString(tmp.resolve("first.log")));
        sweep.destroyForcibly().waitFor();
        assertTrue(done != null, "no point completed in time: " + Files.readString(tmp.resolve("first.log")));
        assertFalse(Files.exists(out.resolve("summary.csv")), "summary.csv is written only at the end");

        Map<String, String> started = new HashMap<>();
        List<String> finished = new ArrayList<>();
        for (String id : ids) {
            Path rj = out.resolve("runs").resolve(id).resolve("run.json");
            if (Files.isRegularFile(rj) && runJson(out, id).path("status").asText().equals("completed")) {
                started.put(id, runJson(out, id).path("started").asText());
                finished.add(id);
            }
        }
        assertTrue(finished.size() < ids.size(), "every point finished before the kill");

        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString(), "--jobs", "1"));
        for (String id : ids) {
            assertEquals("completed", runJson(out, id).path("status").asText(), id);
        }
        for (String id : finished) {
            assertEquals(started.get(id), runJson(out, id).path("started").asText(), id + " was run again");
        }
        Map<String, String> rows = summaryRows(out);
        assertEquals(ids.size(), rows.size());
        ids.forEach(id -> assertTrue(rows.get(id).contains(",completed,"), rows.get(id)));
        assertTrue(Files.isRegularFile(out.resolve("by_seed.csv")));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aStoppedPointWithACheckpointIsResumedNotRestarted() throws Exception {
        Path f = write(tmp, BASE.replace("training: {epochs: 30}", "training: {epochs: 400}")
                .replace("spectraEvery: 10", "spectraEvery: 100") + "set: {checkpoint.everyEpochs: 20}\ngrid:\n  seed: [0]\n");
        Path out = tmp.resolve("out");
        Path run = out.resolve("runs").resolve("seed=0");
        Process sweep = new ProcessBuilder(JavaLauncher.command(List.of(), List.of("sweep", f.toString(), "--out",
                out.toString()))).redirectErrorStream(true).redirectOutput(tmp.resolve("first.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (sweep.isAlive() && System.nanoTime() < deadline && !hasCheckpoint(run)) {
            Thread.sleep(50);
        }
        assertTrue(sweep.isAlive(), "finished before a checkpoint could be seen: " + Files.readString(tmp.resolve("first.log")));
        ProcessHandle child = ProcessHandle.of(Long.parseLong(Files.readString(out.resolve("runs").resolve("seed=0.pid")).strip()))
                .orElseThrow();
        sweep.destroyForcibly().waitFor();
        String started = runJson(out, "seed=0").path("started").asText();
        child.onExit().get(60, TimeUnit.SECONDS); // the run notices its sweep is gone and stops
        assertFalse(child.isAlive());
        assertEquals(PointRunner.Action.RESUME, PointRunner.decide(new dev.grokscope.results.RunDirectory(run)),
                "status " + runJson(out, "seed=0").path("status"));

        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString()));
        JsonNode rj = runJson(out, "seed=0");
        assertEquals("completed", rj.path("status").asText());
        assertEquals(started, rj.path("started").asText(), "restarted instead of resumed");
        assertTrue(rj.path("resumes").size() == 1 && rj.path("resumes").get(0).path("after_epoch").asInt() > 0, rj.toString());
        List<String> epochs = Files.readAllLines(run.resolve("metrics.csv")).stream().skip(1)
                .map(l -> l.substring(0, l.indexOf(','))).toList();
        assertEquals(epochs.stream().distinct().count(), epochs.size(), "metrics.csv repeats epochs");
        assertEquals("400", epochs.get(epochs.size() - 1));
    }

    private static boolean hasCheckpoint(Path run) throws IOException {
        Path dir = run.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().matches("epoch-.*\\.zip"));
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aDivergingPointDoesNotStopTheOthers() throws Exception {
        Path f = write(tmp, BASE + """
                grid:
                  seed: [0, 1]
                runs:
                  - {optimizer.lr: 1000.0}
                """);
        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString()), "diverged is a finished result");
        assertEquals("completed", runJson(out, "seed=0").path("status").asText());
        assertEquals("completed", runJson(out, "seed=1").path("status").asText());
        assertEquals("diverged", runJson(out, "lr=1000").path("status").asText());
        Map<String, String> rows = summaryRows(out);
        assertEquals(3, rows.size());
        // where a point leaves an axis at the base, its tables show the base's value (seed 0 by default, lr 0.01)
        assertTrue(rows.get("lr=1000").startsWith("lr=1000,0,1000,diverged,"), rows.get("lr=1000"));
        List<String> plan = Files.readAllLines(out.resolve("plan.csv"));
        assertEquals(List.of("id,seed,optimizer.lr", "seed=0,0,0.01", "seed=1,1,0.01", "lr=1000,0,1000"), plan);
        List<String> bySeed = Files.readAllLines(out.resolve("by_seed.csv"));
        assertEquals("0,2,1,", bySeed.get(1).substring(0, 6), "seed 0 counts the lr=1000 point: " + bySeed);

        // continued from its own directory: sweep.yaml stays as planned (its header names the base file)
        byte[] sweepYaml = Files.readAllBytes(out.resolve("sweep.yaml"));
        assertTrue(new String(sweepYaml).startsWith("# Written by grokscope sweep from sweep.yaml.\n"), new String(sweepYaml));
        Files.writeString(out.resolve("sweep.yaml"), "# planned from x.yaml (base: y.yaml, inlined below)\n"
                + new String(sweepYaml).lines().skip(1).collect(java.util.stream.Collectors.joining("\n", "", "\n")));
        byte[] marked = Files.readAllBytes(out.resolve("sweep.yaml"));
        assertEquals(0, Main.execute("sweep", out.toString()));
        assertArrayEquals(marked, Files.readAllBytes(out.resolve("sweep.yaml")), "sweep.yaml rewritten");
        assertEquals(plan, Files.readAllLines(out.resolve("plan.csv")));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void dryRunWritesThePlanAndTheBatchScriptOnly() throws Exception {
        Path f = write(tmp, BASE + """
                grid:
                  optimizer.weightDecay: [0, 1]
                  seed: [0, 1]
                slurm:
                  partition: gpu
                  time: "01:00:00"
                  gpusPerTask: 1
                  cpusPerTask: 4
                  mem: 8G
                  extra: ["#SBATCH --qos=short"]
                """);
        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString(), "--executor", "slurm",
                "--dry-run", "--jobs", "3"));
        String script = Files.readString(out.resolve("sbatch.sh"));
        for (String line : List.of("#SBATCH --array=0-3%3", "#SBATCH --partition=gpu", "#SBATCH --time=01:00:00",
                "#SBATCH --gpus-per-task=1", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=8G", "#SBATCH --qos=short",
                "#SBATCH --job-name=grokscope-sweep", "#SBATCH --output=" + out.toRealPath() + "/slurm/%A_%a.log")) {
            assertTrue(script.lines().anyMatch(line::equals), line + " missing from\n" + script);
        }
        assertEquals("wd=1,seed=0\tconfigs/wd=1,seed=0.yaml\truns/wd=1,seed=0",
                Files.readAllLines(out.resolve("points.txt")).get(2));
        assertFalse(Files.exists(out.resolve("jobs.json")));
        assertFalse(Files.exists(out.resolve("runs").resolve("wd=0,seed=0")));

        // Aggregating a sweep that never ran: one row per point, status missing; exit 1 (not finished).
        assertEquals(Main.FAILED, Main.execute("sweep", out.toString(), "--aggregate"));
        Map<String, String> rows = summaryRows(out);
        assertEquals(4, rows.size());
        rows.values().forEach(r -> assertTrue(r.contains(",missing,"), r));
    }

    /** Every file under a directory, relative path -> content. */
    static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> m = new java.util.TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aPointWhoseRunRecordCannotBeReadIsLeftUntouchedAndReported() throws Exception {
        Path f = write(tmp, BASE + "grid:\n  seed: [0, 1]\n");
        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString()));
        Path damaged = out.resolve("runs").resolve("seed=1");
        byte[] record = Files.readAllBytes(damaged.resolve("run.json"));
        Files.write(damaged.resolve("run.json"), java.util.Arrays.copyOf(record, record.length / 2)); // a half-copied file
        Files.writeString(damaged.resolve("my-notes.txt"), "mine\n");
        Map<String, byte[]> before = files(damaged);
        String started0 = runJson(out, "seed=0").path("started").asText();

        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        int code;
        System.setErr(new java.io.PrintStream(err, true));
        try {
            code = Main.execute("sweep", f.toString(), "--out", out.toString());
        } finally {
            System.setErr(saved);
        }
        assertEquals(Main.FAILED, code, "an unreadable point makes the sweep exit non-zero: " + err);
        Map<String, byte[]> after = files(damaged);
        assertEquals(before.keySet(), after.keySet(), "no file of the point added or removed");
        before.forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, after.get(k)), k + " changed"));
        assertTrue(err.toString().contains("point seed=1") && err.toString().contains(damaged.resolve("run.json").toString()),
                "the point and its run.json are named: " + err);
        assertEquals(started0, runJson(out, "seed=0").path("started").asText(), "the readable point was not redone");
        assertTrue(summaryRows(out).get("seed=1").contains(",unreadable,"), summaryRows(out).get("seed=1"));
        try (var s = Files.list(out.resolve("runs"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().contains(".replaced-")), "nothing moved aside");
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aRestartedFailedPointLeavesItsEarlierAttemptAside() throws Exception {
        Path f = write(tmp, BASE + "grid:\n  seed: [0]\n");
        Path out = tmp.resolve("out");
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString()));
        Path run = out.resolve("runs").resolve("seed=0");
        // The earlier attempt failed: its record says so and its error.txt holds the trace.
        String failed = Files.readString(run.resolve("run.json")).replace("\"completed\"", "\"failed\"");
        Files.writeString(run.resolve("run.json"), failed);
        Files.writeString(run.resolve("error.txt"), "java.io.IOException: No space left on device\n");
        Map<String, byte[]> before = files(run);

        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString()));
        List<Path> aside;
        try (var s = Files.list(out.resolve("runs"))) {
            aside = s.filter(p -> p.getFileName().toString().startsWith("seed=0.replaced-")).toList();
        }
        assertEquals(1, aside.size(), "the failed attempt is moved aside once");
        Map<String, byte[]> kept = files(aside.get(0));
        assertEquals(before.keySet(), kept.keySet());
        before.forEach((k, v) -> assertTrue(java.util.Arrays.equals(v, kept.get(k)), k + " changed"));
        assertEquals("completed", runJson(out, "seed=0").path("status").asText());
        assertFalse(Files.exists(run.resolve("error.txt")), "the new attempt starts clean");
        assertTrue(Files.readString(out.resolve("runs").resolve("seed=0.log")).contains("status failed, moved to runs/"
                + aside.get(0).getFileName()), "the log says where the attempt went");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void twoSweepsOnOneDirectoryRunEachPointExactlyOnce() throws Exception {
        Path f = write(tmp, BASE.replace("training: {epochs: 30}", "training: {epochs: 200}") + "grid:\n  seed: [0, 1]\n");
        Path out = tmp.resolve("out");
        Process first = new ProcessBuilder(JavaLauncher.command(List.of(), List.of("sweep", f.toString(), "--out",
                out.toString(), "--jobs", "1"))).redirectErrorStream(true).redirectOutput(tmp.resolve("first.log").toFile()).start();
        // Wait until the first sweep holds its lock and runs a point.
        Path pid = out.resolve("runs").resolve("seed=0.pid");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (first.isAlive() && System.nanoTime() < deadline && !Files.isRegularFile(pid)) {
            Thread.sleep(20);
        }
        assertTrue(Files.isRegularFile(pid) && first.isAlive(), "the first sweep never started a point: "
                + Files.readString(tmp.resolve("first.log")));
        String lock = Files.readString(out.resolve(".lock"));
        assertTrue(lock.contains("\"pid\":" + first.pid()) || lock.contains("\"pid\" : " + first.pid()), lock);

        // A second sweep on the same directory, and a SLURM-style task for the running point, are refused.
        Process second = new ProcessBuilder(JavaLauncher.command(List.of(), List.of("sweep", f.toString(), "--out",
                out.toString(), "--jobs", "1"))).redirectErrorStream(true).start();
        String secondOut = new String(second.getInputStream().readAllBytes());
        assertEquals(2, second.waitFor(), secondOut);
        assertTrue(secondOut.contains("is being written by pid " + first.pid()), secondOut);
        Process task = new ProcessBuilder(JavaLauncher.command(List.of(), List.of("sweep", out.toString(), "--point",
                "seed=0"))).redirectErrorStream(true).start();
        String taskOut = new String(task.getInputStream().readAllBytes());
        assertEquals(2, task.waitFor(), taskOut);
        assertTrue(taskOut.contains("point seed=0: busy") && taskOut.contains("pid " + first.pid()), taskOut);

        assertEquals(0, first.waitFor(), Files.readString(tmp.resolve("first.log")));
        assertEquals(0, Main.execute("sweep", f.toString(), "--out", out.toString()), "a third run finds everything done");
        for (String id : List.of("seed=0", "seed=1")) {
            long attempts = Files.readAllLines(out.resolve("runs").resolve(id + ".log")).stream()
                    .filter(l -> l.startsWith("== ")).count();
            assertEquals(1, attempts, id + " ran " + attempts + " times");
            assertEquals("completed", runJson(out, id).path("status").asText());
        }
    }
}
