package dev.grokscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs that survive: SIGKILL and resume, SIGTERM, divergence, a full disk. */
class ResilienceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SMALL = List.of("--set", "data.p=23", "--set", "model.width=64",
            "--set", "training.epochs=45", "--set", "checkpoint.everyEpochs=4", "--set", "instrumentation.spectraEvery=3",
            "--set", "output.progress=log");

    @TempDir
    static Path shared;
    private static Path reference;

    @TempDir
    Path tmp;

    @BeforeAll
    static void uninterrupted() throws Exception {
        reference = shared.resolve("reference");
        Cli.Result r = Cli.run(args("run", "configs/quickstart.yaml", "--out", reference.toString()));
        assertEquals(0, r.exit(), r.err());
    }

    private static String[] args(String... head) {
        List<String> a = new ArrayList<>(List.of(head));
        a.addAll(SMALL);
        return a.toArray(String[]::new);
    }

    /** Starts the CLI in the background (the caller kills it). */
    private static Process start(String... cliArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", Cli.JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(cliArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OMP_NUM_THREADS", "2");
        return pb.start();
    }

    /** Waits until metrics.csv holds at least {@code rows} data rows. */
    private static void awaitRows(Path run, int rows, Process p) throws Exception {
        Path m = run.resolve("metrics.csv");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(m) && Files.readAllLines(m).size() - 1 >= rows) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("run did not reach " + rows + " rows (alive: " + p.isAlive() + ")");
    }

    /**
     * Waits until the run has written a checkpoint after {@code epoch}, so that a kill lands after it and
     * the resume has something to continue from; returns that checkpoint's epoch.
     */
    static int awaitCheckpointAfter(Path run, int epoch, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && p.isAlive()) {
            List<Path> cks = dev.grokscope.results.Checkpoint.list(run);
            if (!cks.isEmpty()) {
                int newest = Integer.parseInt(cks.get(cks.size() - 1).getFileName().toString().replaceAll("\\D", ""));
                if (newest > epoch) {
                    return newest;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no checkpoint after epoch " + epoch + " (alive: " + p.isAlive() + ")");
    }

    /** The epochs that run.json's resumes continued after, in order. */
    static List<Integer> resumedAfter(Path run) throws Exception {
        List<Integer> epochs = new ArrayList<>();
        JSON.readTree(run.resolve("run.json").toFile()).path("resumes").forEach(r -> epochs.add(r.path("after_epoch").asInt()));
        return epochs;
    }

    @Test
    void killedWithSigkillAndResumedEqualsUninterrupted() throws Exception {
        Path run = tmp.resolve("killed");
        Random random = new Random(2024);
        Process p = start(args("run", "configs/quickstart.yaml", "--out", run.toString()));
        int kills = 0;
        int checkpointed = 0;
        List<Integer> landedAfter = new ArrayList<>();
        for (int target = 6; target < 40; target += 6 + random.nextInt(8)) {
            awaitRows(run, target, p);
            checkpointed = awaitCheckpointAfter(run, checkpointed, p);
            assertTrue(p.isAlive(), "the run ended before the kill");
            p.destroyForcibly().waitFor(); // SIGKILL, anywhere after that checkpoint
            landedAfter.add(checkpointed);
            kills++;
            p = start("run", "--resume", run.toString());
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue());
        assertTrue(kills >= 3, "killed " + kills + " times");
        assertSameRun(reference, run);
        JsonNode runJson = JSON.readTree(run.resolve("run.json").toFile());
        assertEquals("completed", runJson.get("status").asText());
        assertEquals(kills, runJson.get("resumes").size());
        List<Integer> resumed = resumedAfter(run);
        for (int i = 0; i < kills; i++) {
            assertTrue(resumed.get(i) >= landedAfter.get(i), "resume " + i + " continued after epoch " + resumed.get(i)
                    + ", before the checkpoint of epoch " + landedAfter.get(i) + " that preceded the kill");
        }
    }

    @Test
    void sigtermCheckpointsAndMarksInterrupted() throws Exception {
        Path run = tmp.resolve("term");
        Process p = start(args("run", "configs/quickstart.yaml", "--out", run.toString()));
        awaitRows(run, 14, p);
        p.destroy(); // SIGTERM, as SLURM sends before a kill
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(143, p.exitValue());
        JsonNode runJson = JSON.readTree(run.resolve("run.json").toFile());
        assertEquals("interrupted", runJson.get("status").asText());
        assertTrue(runJson.get("message").asText().startsWith("SIGTERM received at epoch "), runJson.toString());
        int epoch = Integer.parseInt(runJson.get("message").asText().replaceAll("\\D+(\\d+).*", "$1"));
        assertTrue(Files.exists(run.resolve("checkpoints").resolve(String.format("epoch-%09d.zip", epoch))),
                "checkpoint of the interrupted epoch " + epoch);
        assertEquals("interrupted", JSON.readTree(run.resolve("summary.json").toFile()).get("status").asText());
        Cli.Result r = Cli.run("run", "--resume", run.toString());
        assertEquals(0, r.exit(), r.err());
        assertSameRun(reference, run);
    }

    @Test
    void divergenceStopsWithStatusDiverged() throws Exception {
        Path run = tmp.resolve("diverged");
        Cli.Result r = Cli.run("run", "configs/quickstart.yaml", "--set", "data.p=23", "--set", "model.width=64",
                "--set", "optimizer.lr=1000", "--set", "training.epochs=50", "--out", run.toString());
        assertEquals(3, r.exit(), r.err());
        assertTrue(r.err().contains("diverged"), r.err());
        JsonNode summary = JSON.readTree(run.resolve("summary.json").toFile());
        assertEquals("diverged", summary.get("status").asText());
        assertEquals("diverged", JSON.readTree(run.resolve("run.json").toFile()).get("status").asText());
        int at = summary.get("epochs_run").asInt();
        assertTrue(at < 50 && summary.get("message").asText().contains("epoch " + at), summary.toString());
        assertTrue(Double.isFinite(summary.get("final").get("train_loss").asDouble()), "last finite metrics kept");
        List<CSVRecord> rows = RunCommandIT.csv(run.resolve("metrics.csv"));
        assertEquals(String.valueOf(at), rows.get(rows.size() - 1).get("epoch"));
    }

    /** A write that fails (here: the file-size limit, as a full disk would) fails the run; what was written stays valid. */
    @Test
    void failedWriteMarksRunFailedAndKeepsFilesValid() throws Exception {
        Path run = tmp.resolve("full");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "ulimit -f 120; exec java -jar \"$0\" \"$@\"",
                Cli.JAR.toAbsolutePath().toString(), "run", "configs/quickstart.yaml", "--set", "data.p=23",
                "--set", "model.width=64", "--set", "training.epochs=300", "--set", "output.progress=none",
                "--out", run.toString()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("run failed") && out.contains("File too large"), out);
        assertEquals("failed", JSON.readTree(run.resolve("run.json").toFile()).get("status").asText());
        List<CSVRecord> spectra = RunCommandIT.csv(run.resolve("spectra.csv"));
        spectra.forEach(r -> assertTrue(r.isConsistent(), "whole rows only"));
        RunCommandIT.csv(run.resolve("metrics.csv")).forEach(r -> assertTrue(r.isConsistent()));
        int snapshots = dev.grokscope.results.Npy.read(run.resolve("spectra/epochs.npy")).shape()[0];
        assertEquals(2 * snapshots, spectra.size(), "every file holds the same whole snapshots");
        assertEquals(snapshots, dev.grokscope.results.Npy.read(run.resolve("spectra/layers.0.W.npy")).rows());
        assertEquals(snapshots, dev.grokscope.results.Npy.read(run.resolve("spectra/layers.1.W.npy")).rows());
    }

    /** Same metrics apart from timing, same spectra, and final weights equal to 1e-12. */
    static void assertSameRun(Path a, Path b) throws Exception {
        List<CSVRecord> ma = RunCommandIT.csv(a.resolve("metrics.csv"));
        List<CSVRecord> mb = RunCommandIT.csv(b.resolve("metrics.csv"));
        assertEquals(ma.size(), mb.size(), "metrics rows: every epoch exactly once");
        for (int i = 0; i < ma.size(); i++) {
            for (String col : ma.get(i).getParser().getHeaderNames()) {
                if (!dev.grokscope.listen.MetricsWriter.MACHINE_COLUMNS.contains(col)) {
                    assertEquals(ma.get(i).get(col), mb.get(i).get(col), "row " + i + " " + col);
                }
            }
        }
        assertEquals(Files.readString(a.resolve("spectra.csv")), Files.readString(b.resolve("spectra.csv")));
        assertEquals(Files.readString(a.resolve("spectra/sva_final.csv")), Files.readString(b.resolve("spectra/sva_final.csv")));
        for (String dir : List.of("spectra", "weights/final")) {
            try (Stream<Path> s = Files.walk(a.resolve(dir))) {
                for (Path f : s.filter(p -> p.toString().endsWith(".npy")).toList()) {
                    double[] x = dev.grokscope.results.Npy.read(f).data();
                    double[] y = dev.grokscope.results.Npy.read(b.resolve(a.relativize(f))).data();
                    assertEquals(x.length, y.length, f.toString());
                    for (int i = 0; i < x.length; i++) {
                        assertEquals(x[i], y[i], 1e-12 * Math.max(1, Math.abs(x[i])), f + "[" + i + "]");
                    }
                }
            }
        }
        assertArrayEquals(Files.readAllBytes(a.resolve("weights/final/layers.0.W.npy")),
                Files.readAllBytes(b.resolve("weights/final/layers.0.W.npy")), "bit for bit on this backend");
        assertFalse(Files.exists(b.resolve("error.txt")));
    }
}
