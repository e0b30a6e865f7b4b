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
        sweep.destroyForcibly().waitFor();
        String started = runJson(out, "seed=0").path("started").asText();
        Thread.sleep(1500); // the run notices its sweep is gone and stops
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
        assertTrue(rows.get("lr=1000").startsWith("lr=1000,,1000,diverged,"), rows.get("lr=1000"));
        List<String> plan = Files.readAllLines(out.resolve("plan.csv"));
        assertEquals(List.of("id,seed,optimizer.lr", "seed=0,0,", "seed=1,1,", "lr=1000,,1000"), plan);
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
}
