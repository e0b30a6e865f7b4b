package dev.grokscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.results.Npy;
import dev.grokscope.state.StateFile;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lottery tickets end to end: a dense run, then masked runs rewound to its epoch 1 with a magnitude and
 * a random mask of 10% drawn from its final state. The mask keeps exactly the requested fraction
 * (globally for magnitude, per matrix as magnitude for random), masked weights are exactly zero in every
 * saved state, a resumed masked run equals the uninterrupted one, and bad mask sections are refused.
 */
class LotteryTicketIT {
    static final List<String> MASKED = List.of("layers.0.W", "layers.1.W"); // layers.2.W is the output layer
    @TempDir
    static Path ws;
    static Path dense;
    static Path magnitude;
    static Path random;

    static List<String> args(String... more) {
        List<String> a = new ArrayList<>(List.of("run", Path.of("configs/quickstart.yaml").toAbsolutePath().toString(),
                "--set", "data.p=23", "--set", "model.depth=2", "--set", "model.width=32", "--set", "training.batchSize=48",
                "--set", "training.epochs=8", "--set", "instrumentation.spectraEvery=2", "--set", "output.progress=none",
                "--set", "output.report=false", "--set", "checkpoint.everySeconds=0"));
        a.addAll(List.of(more));
        return a;
    }

    static Path run(String name, String... more) throws Exception {
        Path out = ws.resolve(name);
        List<String> a = args(more);
        a.addAll(List.of("--out", out.toString()));
        Cli.Result r = Cli.run(ws, a.toArray(String[]::new));
        assertEquals(0, r.exit(), name + ": " + r.err());
        return out;
    }

    static String[] ticket(String kind) {
        return new String[] {"--set", "mask.from=" + dense, "--set", "mask.keep=0.1", "--set", "mask.kind=" + kind,
            "--set", "checkpoint.trajectoryEvery=1", "--set", "checkpoint.everyEpochs=2", "--set", "checkpoint.keep=10",
            "--from", dense + "@1"};
    }

    @BeforeAll
    static void runs() throws Exception {
        dense = run("dense", "--set", "checkpoint.epochs=[1]", "--set", "checkpoint.trajectoryOptimizer=true");
        magnitude = run("magnitude", ticket("magnitude"));
        random = run("random", ticket("random"));
    }

    static Map<String, Npy.Array> masks(Path run) {
        Map<String, Npy.Array> m = new java.util.LinkedHashMap<>();
        for (String n : MASKED) {
            m.put(n, Npy.read(run.resolve("mask").resolve(n + ".npy")));
        }
        assertFalse(Files.exists(run.resolve("mask/layers.2.W.npy")), "the output layer stays dense");
        return m;
    }

    static long count(Npy.Array a) {
        return java.util.Arrays.stream(a.data()).filter(v -> v != 0).count();
    }

    @Test
    void theMagnitudeMaskKeepsExactlyTheFractionGloballyAndTheLargestDenseWeights() {
        Map<String, Npy.Array> m = masks(magnitude);
        Map<String, Npy.Array> w = StateFile.read(dense.resolve("states/final.zip")).params();
        long total = 46 * 32 + 32 * 32;
        assertEquals(Math.round(0.1 * total), count(m.get("layers.0.W")) + count(m.get("layers.1.W")));
        double minKept = Double.POSITIVE_INFINITY;
        double maxDropped = 0;
        for (String n : MASKED) {
            assertArrayEquals(w.get(n).shape(), m.get(n).shape());
            for (int i = 0; i < m.get(n).data().length; i++) {
                double a = Math.abs(w.get(n).data()[i]);
                if (m.get(n).data()[i] == 1) {
                    minKept = Math.min(minKept, a);
                } else {
                    assertEquals(0.0, m.get(n).data()[i]);
                    maxDropped = Math.max(maxDropped, a);
                }
            }
        }
        assertTrue(minKept >= maxDropped, "one global threshold: " + minKept + " < " + maxDropped);
    }

    @Test
    void theRandomMaskKeepsTheMagnitudeMasksCountInEachMatrix() {
        Map<String, Npy.Array> mag = masks(magnitude);
        Map<String, Npy.Array> rnd = masks(random);
        for (String n : MASKED) {
            assertEquals(count(mag.get(n)), count(rnd.get(n)), n);
            assertFalse(java.util.Arrays.equals(mag.get(n).data(), rnd.get(n).data()), n);
        }
    }

    @Test
    void maskedWeightsAreExactlyZeroInEverySavedStateAndTheKeptOnesTrain() throws Exception {
        for (Path run : List.of(magnitude, random)) {
            Map<String, Npy.Array> m = masks(run);
            List<Path> states;
            try (Stream<Path> s = Stream.concat(Files.list(run.resolve("states")), Files.list(run.resolve("checkpoints")))) {
                states = s.filter(p -> p.toString().endsWith(".zip")).sorted().toList();
            }
            assertEquals(8 + 1 + 3, states.size(), "trajectory 1..8, final, checkpoints 2, 4, 6: " + states);
            Map<String, Npy.Array> rewind = StateFile.read(dense.resolve(String.format("states/epoch-%09d.zip", 1))).params();
            for (Path f : states) {
                Map<String, Npy.Array> p = StateFile.read(f).params();
                for (String n : MASKED) {
                    int moved = 0;
                    for (int i = 0; i < m.get(n).data().length; i++) {
                        double v = p.get(n).data()[i];
                        if (m.get(n).data()[i] == 0) {
                            assertEquals(0.0, v, f + " " + n + "[" + i + "]");
                        } else {
                            moved += rewind.get(n).data()[i] == v ? 0 : 1;
                        }
                    }
                    boolean start = f.getFileName().toString().equals(String.format("epoch-%09d.zip", 1));
                    assertEquals(start, moved == 0, f + " " + n + ": kept weights are the rewind state's at epoch 1 only");
                }
            }
            double[] fin = Npy.read(run.resolve("weights/final/layers.0.W.npy")).data();
            for (int i = 0; i < fin.length; i++) {
                if (m.get("layers.0.W").data()[i] == 0) {
                    assertEquals(0.0, fin[i]);
                }
            }
        }
    }

    @Test
    void svaMaskFinalAndRunJsonDescribeTheMask() throws Exception {
        List<CSVRecord> rows = RunCommandIT.csv(magnitude.resolve("mask/sva_mask_final.csv"));
        assertEquals(MASKED, rows.stream().map(r -> r.get("matrix")).toList());
        Map<String, Npy.Array> m = masks(magnitude);
        long kept = 0;
        for (CSVRecord r : rows) {
            long k = count(m.get(r.get("matrix")));
            kept += k;
            assertEquals(k, Long.parseLong(r.get("kept")));
            assertEquals((double) k / Long.parseLong(r.get("total")), Double.parseDouble(r.get("density")), 1e-15);
            double sva = Double.parseDouble(r.get("sva_top10"));
            assertTrue(sva > 0 && sva <= 1 + 1e-12, r.toString());
        }
        JsonNode j = BranchIT.JSON.readTree(magnitude.resolve("run.json").toFile());
        assertEquals(kept, j.get("mask").get("kept").asLong());
        assertEquals(46 * 32 + 32 * 32, j.get("mask").get("total").asLong());
        assertEquals("magnitude", j.get("mask").get("kind").asText());
        assertEquals(1, j.get("parent").get("epoch").asInt());
    }

    @Test
    void aResumedMaskedRunEqualsTheUninterruptedOne() throws Exception {
        for (int at : new int[] {4, -1}) {
            Path cut = Interrupted.copy(magnitude, ws.resolve("cut" + at), at);
            Cli.Result r = Cli.run(ws, "run", "--resume", cut.toString());
            assertEquals(0, r.exit(), r.err());
            ResilienceIT.assertSameRun(magnitude, cut);
            BranchIT.assertSameParams(StateFile.read(magnitude.resolve("states/final.zip")).params(),
                    StateFile.read(cut.resolve("states/final.zip")).params());
        }
    }

    @Test
    void badMasksGetOneLineAndExit2AndNothingIsWritten() throws Exception {
        String from = "mask.from=" + dense;
        Map<String, List<String>> cases = Map.of(
                "mask.keep: must be in (0, 1], got 0.0", List.of("--set", from, "--set", "mask.keep=0"),
                "mask.keep: must be in (0, 1], got 1.5", List.of("--set", from, "--set", "mask.keep=1.5"),
                "mask.from: must name the state", List.of("--set", "mask.keep=0.5"),
                "no such", List.of("--set", "mask.from=" + ws.resolve("nothing"), "--set", "mask.keep=0.5"),
                "different architecture", List.of("--set", "model.width=16", "--set", from, "--set", "mask.keep=0.5"));
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            Path out = ws.resolve("bad");
            List<String> a = args(c.getValue().toArray(String[]::new));
            a.addAll(List.of("--out", out.toString()));
            Cli.Result r = Cli.run(ws, a.toArray(String[]::new));
            assertEquals(2, r.exit(), c.getKey() + ": " + r.err());
            assertEquals(1, r.errLines().size(), c.getKey() + ": " + r.err());
            assertTrue(r.errLines().get(0).contains(c.getKey()), r.errLines().get(0));
            assertFalse(Files.exists(out), c.getKey() + ": nothing written");
        }
    }
}
