package dev.grokscope.it;

import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transformer run killed with SIGKILL and resumed equals the uninterrupted run: its checkpoints hold
 * the parameters, AdamW's moments ({@code <name>/M}, {@code /V}) and the step count.
 */
class TransformerResumeIT {
    private static final List<String> SMALL = List.of("--set", "data.p=23", "--set", "model.dModel=32",
            "--set", "model.dHead=8", "--set", "model.dMlp=64", "--set", "training.epochs=40", "--set", "training.evalEvery=1",
            "--set", "checkpoint.everyEpochs=5", "--set", "instrumentation.spectraEvery=5",
            "--set", "output.progress=log");

    @TempDir
    Path tmp;

    private static String[] args(String... head) {
        List<String> a = new ArrayList<>(List.of(head));
        a.addAll(SMALL);
        return a.toArray(String[]::new);
    }

    private static Process start(String... cliArgs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", Cli.JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(cliArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OMP_NUM_THREADS", "2"); // as Cli.run: results depend on the thread count
        return pb.start();
    }

    @Test
    void killedAndResumedEqualsUninterrupted() throws Exception {
        Path reference = tmp.resolve("reference");
        Cli.Result r = Cli.run(args("run", "configs/nanda-mod113.yaml", "--out", reference.toString()));
        assertEquals(0, r.exit(), r.err());

        Path run = tmp.resolve("killed");
        Process p = start(args("run", "configs/nanda-mod113.yaml", "--out", run.toString()));
        int checkpointed = 0;
        List<Integer> landedAfter = new java.util.ArrayList<>();
        for (int target : new int[] {12, 27}) {
            Path m = run.resolve("metrics.csv");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (p.isAlive() && System.nanoTime() < deadline
                    && !(Files.exists(m) && Files.readAllLines(m).size() - 1 >= target)) {
                Thread.sleep(20);
            }
            checkpointed = ResilienceIT.awaitCheckpointAfter(run, checkpointed, p);
            assertTrue(p.isAlive(), "the run ended before the kill");
            p.destroyForcibly().waitFor(); // SIGKILL, anywhere after that checkpoint
            landedAfter.add(checkpointed);
            p = start("run", "--resume", run.toString());
        }
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue());
        List<Integer> resumed = ResilienceIT.resumedAfter(run);
        assertEquals(2, resumed.size());
        for (int i = 0; i < 2; i++) {
            assertTrue(resumed.get(i) >= landedAfter.get(i), "resume " + i + " after epoch " + resumed.get(i));
        }

        List<CSVRecord> ma = RunCommandIT.csv(reference.resolve("metrics.csv"));
        List<CSVRecord> mb = RunCommandIT.csv(run.resolve("metrics.csv"));
        assertEquals(ma.size(), mb.size());
        for (int i = 0; i < ma.size(); i++) {
            for (String col : ma.get(i).getParser().getHeaderNames()) {
                if (!dev.grokscope.listen.MetricsWriter.MACHINE_COLUMNS.contains(col)) {
                    assertEquals(ma.get(i).get(col), mb.get(i).get(col), "row " + i + " " + col);
                }
            }
        }
        assertEquals(Files.readString(reference.resolve("spectra.csv")), Files.readString(run.resolve("spectra.csv")));
        for (String w : List.of("embed.W_E", "blocks.0.attn.W_Q", "blocks.0.attn.W_O", "unembed.W_U")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve("weights/final/" + w + ".npy")),
                    Files.readAllBytes(run.resolve("weights/final/" + w + ".npy")), w);
        }
    }
}
