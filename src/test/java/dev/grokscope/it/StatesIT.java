package dev.grokscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Saved states end to end through the CLI on real small runs: every run's final state, the trajectory,
 * {@code eval} equal to the run's own metrics.csv, {@code lowrank}, {@code interpolate}, {@code average},
 * {@code analyze} of states, numpy's .npz and a .safetensors file, and bad input.
 */
class StatesIT {
    @TempDir
    static Path ws;
    static Path mlp;
    static Path narrow;
    static Path transformer;
    /** metrics.csv columns eval reproduces (the others measure the machine). */
    static final List<String> SAME = List.of("epoch", "step", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
            "weight_norm");

    @BeforeAll
    static void runs() throws Exception {
        String qs = Path.of("configs/quickstart.yaml").toAbsolutePath().toString();
        mlp = ws.resolve("mlp");
        Cli.Result r = Cli.run(ws, "run", qs, "--set", "data.p=23", "--set", "model.width=64", "--set", "training.epochs=30",
                "--set", "checkpoint.trajectoryEvery=10", "--set", "checkpoint.epochs=[5]", "--set", "checkpoint.everyEpochs=4",
                "--set", "checkpoint.everySeconds=0", "--set", "output.progress=none", "--out", mlp.toString());
        assertEquals(0, r.exit(), r.err());
        narrow = ws.resolve("narrow");
        r = Cli.run(ws, "run", qs, "--set", "data.p=23", "--set", "model.width=32", "--set", "training.epochs=3",
                "--set", "instrumentation.spectraEvery=0", "--set", "output.progress=none", "--out", narrow.toString());
        assertEquals(0, r.exit(), r.err());
        transformer = ws.resolve("tf");
        r = Cli.run(ws, "run", Path.of("configs/nanda-mod113.yaml").toAbsolutePath().toString(), "--set", "data.p=23",
                "--set", "model.dModel=32", "--set", "model.dHead=8", "--set", "model.dMlp=64", "--set", "training.epochs=10",
                "--set", "training.evalEvery=1", "--set", "instrumentation.spectraEvery=5", "--set", "checkpoint.trajectoryEvery=5",
                "--set", "output.progress=none", "--out", transformer.toString());
        assertEquals(0, r.exit(), r.err());
    }

    static List<CSVRecord> csv(String text) throws Exception {
        return CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(new StringReader(text))
                .getRecords();
    }

    private static CSVRecord metricsRow(Path run, int epoch) throws Exception {
        for (CSVRecord r : RunCommandIT.csv(run.resolve("metrics.csv"))) {
            if (Integer.parseInt(r.get("epoch")) == epoch) {
                return r;
            }
        }
        throw new AssertionError("no metrics row at epoch " + epoch + " in " + run);
    }

    private static List<CSVRecord> ok(String... args) throws Exception {
        Cli.Result r = Cli.run(ws, args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
        return csv(r.out());
    }

    @Test
    void everyRunEndsWithItsFinalStateAndTheTrajectoryItAskedFor() throws Exception {
        assertTrue(Files.isRegularFile(mlp.resolve("states/final.zip")));
        for (int e : new int[] {0, 5, 10, 20, 30}) {
            assertTrue(Files.isRegularFile(mlp.resolve(String.format("states/epoch-%09d.zip", e))), "epoch " + e);
        }
        assertFalse(Files.exists(mlp.resolve(String.format("states/epoch-%09d.zip", 15))));
        assertTrue(hasOptimizer(mlp.resolve(String.format("states/epoch-%09d.zip", 5))), "listed epochs: complete states");
        assertFalse(hasOptimizer(mlp.resolve(String.format("states/epoch-%09d.zip", 10))), "every N: weights only");
        assertTrue(hasOptimizer(mlp.resolve("states/final.zip")));
        assertTrue(Files.isRegularFile(narrow.resolve("states/final.zip")), "a final state without a trajectory");
        assertTrue(Files.isRegularFile(transformer.resolve(String.format("states/epoch-%09d.zip", 5))));
    }

    private static boolean hasOptimizer(Path state) throws Exception {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(state.toFile())) {
            return z.stream().anyMatch(e -> e.getName().startsWith("optimizer/"));
        }
    }

    @Test
    void evalReproducesTheRunsOwnMetricsExactly() throws Exception {
        for (Path run : List.of(mlp, transformer)) {
            CSVRecord last = RunCommandIT.csv(run.resolve("metrics.csv")).get(RunCommandIT.csv(run.resolve("metrics.csv")).size() - 1);
            List<CSVRecord> ev = ok("eval", run.toString(), run + "@5");
            assertEquals(2, ev.size());
            for (String c : SAME) {
                assertEquals(last.get(c), ev.get(0).get(c), run + " final " + c);
                assertEquals(metricsRow(run, 5).get(c), ev.get(1).get(c), run + "@5 " + c);
            }
        }
    }

    @Test
    void lowrankPrunesEveryStateAndLeavesTheOutputLayerDense() throws Exception {
        Path out = ws.resolve("lowrank-mlp.csv");
        List<CSVRecord> rows = ok("lowrank", mlp.toString(), "--out", out.toString());
        // trajectory 0, 5, 10, 20, 30; checkpoints every 4 epochs but only the newest 2 (24, 28) are kept
        List<Integer> epochs = List.of(0, 5, 10, 20, 24, 28, 30);
        assertEquals(epochs.size() * 3, rows.size());
        assertEquals(rows.stream().map(CSVRecord::toList).toList(),
                csv(Files.readString(out)).stream().map(CSVRecord::toList).toList(), "printed = written");
        for (int i = 0; i < epochs.size(); i++) {
            CSVRecord dense = rows.get(3 * i);
            assertEquals("dense", dense.get("variant"));
            assertEquals(List.of("top", "bottom"), List.of(rows.get(3 * i + 1).get("variant"), rows.get(3 * i + 2).get("variant")));
            CSVRecord m = metricsRow(mlp, epochs.get(i));
            for (String c : List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "weight_norm")) {
                assertEquals(m.get(c), dense.get(c), "dense = the run's own metrics at " + epochs.get(i));
            }
            assertFalse(rows.get(3 * i + 1).get("train_loss").equals(dense.get("train_loss")), "top differs from dense");
        }
        JsonNode settings = new ObjectMapper().readTree(ws.resolve("lowrank-mlp.json").toFile());
        assertEquals("layers.1.W", settings.get("output_layer_kept_dense").asText());
        assertEquals(List.of("layers.0.W"), names(settings.get("truncated")));
        assertEquals(23, settings.get("truncated").get("layers.0.W").get("top").asInt(), "ceil(0.5 * min(46, 64))");

        // the default: into the run directory, with the figures in its report; a second time is refused
        ok("lowrank", transformer.toString(), "--fraction", "0.25", "--keep", "top");
        List<CSVRecord> tf = csv(Files.readString(transformer.resolve("lowrank.csv")));
        assertEquals(List.of("dense", "top"), List.of(tf.get(0).get("variant"), tf.get(1).get("variant")));
        JsonNode ts = new ObjectMapper().readTree(transformer.resolve("lowrank.json").toFile());
        assertFalse(names(ts.get("truncated")).contains("unembed.W_U"));
        assertTrue(names(ts.get("truncated")).contains("blocks.0.attn.W_Q"));
        assertTrue(Files.size(transformer.resolve("report/lowrank_accuracy.png")) > 1000);
        assertTrue(Files.size(transformer.resolve("report/lowrank_loss.svg")) > 1000);
        byte[] before = Files.readAllBytes(transformer.resolve("lowrank.csv"));
        Cli.Result again = Cli.run(ws, "lowrank", transformer.toString());
        assertEquals(2, again.exit(), again.err());
        assertTrue(again.err().contains("lowrank.csv: exists"), again.err());
        assertEquals(new String(before, StandardCharsets.UTF_8), Files.readString(transformer.resolve("lowrank.csv")));
    }

    private static List<String> names(JsonNode o) {
        List<String> l = new ArrayList<>();
        o.fieldNames().forEachRemaining(l::add);
        return l;
    }

    @Test
    void interpolationEndsAreTheEndpointsEvaluations() throws Exception {
        Cli.Result r = Cli.run(ws, "interpolate", mlp + "@10", mlp.toString(), "--points", "5", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode rows = j.get("rows");
        assertEquals(5, rows.size());
        List<CSVRecord> ends = ok("eval", mlp + "@10", mlp.toString());
        for (String c : List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "weight_norm")) {
            assertEquals(Double.parseDouble(ends.get(0).get(c)), rows.get(0).get(c).asDouble(), 0.0, "alpha 0 " + c);
            assertEquals(Double.parseDouble(ends.get(1).get(c)), rows.get(4).get(c).asDouble(), 0.0, "alpha 1 " + c);
        }
        double chordMid = (rows.get(0).get("val_loss").asDouble() + rows.get(4).get("val_loss").asDouble()) / 2;
        assertTrue(j.get("loss_barrier_val").asDouble() >= rows.get(2).get("val_loss").asDouble() - chordMid - 1e-15);
        assertEquals(2, j.get("sva_top10").size());
        double sva = j.get("sva_top10").get("layers.0.W").asDouble();
        assertTrue(sva >= 0 && sva <= 1, "SVA in [0, 1]: " + sva);
        assertTrue(Files.isRegularFile(mlp.resolve("interpolate-10-30.csv")), "states of one run: written into it");
        assertTrue(Files.isRegularFile(mlp.resolve("report/interpolate-10-30.png")));
    }

    @Test
    void averagesAreStatesTheOtherCommandsAccept() throws Exception {
        Path same = ws.resolve("same.zip");
        List<CSVRecord> t = ok("average", mlp.toString(), mlp.toString(), "--out", same.toString());
        assertEquals(3, t.size());
        List<CSVRecord> a = ok("eval", same.toString(), mlp.toString());
        for (String c : SAME) {
            assertEquals(a.get(1).get(c), a.get(0).get(c), "the average of a state with itself is the state: " + c);
        }
        Path swa = ws.resolve("swa.zip");
        List<CSVRecord> u = ok("average", mlp + "@10..30", "--out", swa.toString());
        assertEquals(List.of(mlp + "@10", mlp + "@20", mlp + "@24", mlp + "@28", mlp + "@30", "uniform_average"),
                u.stream().map(r -> r.get("state")).toList());
        CSVRecord avg = u.get(u.size() - 1);
        CSVRecord swaEval = ok("eval", swa.toString()).get(0);
        for (String c : List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "weight_norm")) {
            assertEquals(avg.get(c), swaEval.get(c), "the written average evaluates as the table says: " + c);
        }
        ok("lowrank", mlp.toString(), "--epochs", "10", "--out", ws.resolve("lr-unused.csv").toString()); // a run's state
        Cli.Result lr = Cli.run(ws, "analyze", swa.toString(), "--json");
        assertEquals(0, lr.exit(), lr.err());

        Cli.Result g = Cli.run(ws, "average", mlp + "@0..30", "--greedy", "--json");
        assertEquals(0, g.exit(), g.err());
        JsonNode gj = new ObjectMapper().readTree(g.out());
        assertTrue(gj.get("held_out").asText().startsWith("select = first "), gj.toString());
        JsonNode rows = gj.get("rows");
        JsonNode soup = rows.get(rows.size() - 1);
        double best = 0;
        for (int i = 0; i < rows.size() - 1; i++) {
            best = Math.max(best, rows.get(i).get("select_accuracy").asDouble());
        }
        assertTrue(soup.get("select_accuracy").asDouble() >= best, "a greedy soup is at least its best ingredient on select");
        assertTrue(soup.get("in_soup").asBoolean());
    }

    @Test
    void analyzeReadsStatesAndNumpysNpz() throws Exception {
        String py = Cli.python();
        if (py == null) {
            Assumptions.assumeTrue(System.getenv("CI") == null, "CI must provide python3 with numpy and pandas");
            Assumptions.abort("no python3 with numpy here");
        }
        Path npz = ws.resolve("np.npz");
        // numpy writes the archive and reads a state file's arrays as they are
        String sv = Cli.python(py, """
                import sys, zipfile, numpy as np
                rng = np.random.default_rng(5)
                a = rng.standard_normal((12, 7)); b = rng.standard_normal((6, 9)).astype(np.float32)
                np.savez_compressed(sys.argv[1], first=a, second=b, bias=np.ones(4))
                w = np.load(zipfile.ZipFile(sys.argv[2]).open('params/layers.0.W.npy'))
                print(' '.join(repr(float(x)) for x in np.linalg.svd(a, compute_uv=False)))
                print(' '.join(repr(float(x)) for x in np.linalg.svd(w.astype(np.float64), compute_uv=False)))
                """, npz.toString(), mlp.resolve("states/final.zip").toString());
        String[] lines = sv.strip().split("\n");
        Cli.Result r = Cli.run(ws, "analyze", npz.toString(), mlp + "@last", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode m = new ObjectMapper().readTree(r.out()).get("matrices");
        assertEquals(List.of("first", "second", "layers.0.W", "layers.1.W"), names(m));
        assertSingularValues(lines[0], m.get("first").get("singular_values"));
        assertSingularValues(lines[1], m.get("layers.0.W").get("singular_values"));
    }

    private static void assertSingularValues(String numpy, JsonNode ours) {
        String[] s = numpy.split(" ");
        assertEquals(s.length, ours.size());
        for (int i = 0; i < s.length; i++) {
            double want = Double.parseDouble(s[i]);
            assertEquals(want, ours.get(i).asDouble(), 1e-9 * Math.max(1, want), "singular value " + i);
        }
    }

    /** A safetensors file with one F32 2x2 tensor diag(3, 2); {@code lie} overstates its header length. */
    static byte[] safetensors(int lie) {
        byte[] h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length + lie).put(h).putFloat(3).putFloat(0).putFloat(0).putFloat(2);
        return b.array();
    }

    @Test
    void analyzeReadsSafetensors() throws Exception {
        Path f = Files.write(ws.resolve("good.safetensors"), safetensors(0));
        Cli.Result r = Cli.run(ws, "analyze", f.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode s = new ObjectMapper().readTree(r.out()).get("matrices").get("w").get("singular_values");
        assertEquals(3.0, s.get(0).asDouble(), 1e-12);
        assertEquals(2.0, s.get(1).asDouble(), 1e-12);
    }

    static Stream<Arguments> bad() throws Exception {
        Files.createDirectories(ws);
        Path f = ws.resolve("lie.safetensors");
        if (!Files.exists(f)) {
            Files.write(f, safetensors(40));
            byte[] whole = Files.readAllBytes(ws.resolve("mlp/states/final.zip"));
            Files.write(ws.resolve("cut.zip"), java.util.Arrays.copyOf(whole, whole.length / 2));
        }
        return Stream.of(
                Arguments.of("missing epoch", List.of("eval", "mlp@12"), "mlp@12: no state saved at epoch 12; nearest saved epochs: 10, 20"),
                Arguments.of("missing window", List.of("average", "mlp@11..19"), "mlp@11..19: no states saved in that window"),
                Arguments.of("mismatched runs", List.of("interpolate", "mlp", "narrow"),
                        "narrow: different architecture from mlp: first differing parameter layers.0.W (shape [46, 64] vs [46, 32])"),
                Arguments.of("mismatched average", List.of("average", "mlp", "tf"), "tf: different architecture from mlp"),
                Arguments.of("truncated state", List.of("eval", "cut.zip"), "cut.zip: unreadable or corrupt state file"),
                Arguments.of("fraction above 1", List.of("lowrank", "mlp", "--fraction", "1.5"), "--fraction: must be in (0, 1), got 1.5"),
                Arguments.of("fraction 0", List.of("lowrank", "mlp", "--fraction", "0", "--out", "x.csv"), "--fraction: must be in (0, 1)"),
                Arguments.of("lying safetensors", List.of("analyze", "lie.safetensors"), "lie.safetensors: header length"),
                Arguments.of("one ingredient", List.of("average", "mlp", "--out", "one.zip"), "mlp: an average needs at least 2 states"),
                Arguments.of("two points", List.of("interpolate", "mlp@10", "mlp", "--points", "2"), "--points: must be >= 3"),
                Arguments.of("no run", List.of("lowrank", "nowhere"), "nowhere: not a run directory"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void badInputIsOneLineAndWritesNothing(String what, List<String> args, String expected) throws Exception {
        Map<String, String> before = HostileInputIT.snapshot(ws);
        Cli.Result r = Cli.run(ws, args.toArray(String[]::new));
        assertEquals(2, r.exit(), what + ": " + r.err() + r.out());
        assertEquals(1, r.errLines().size(), what + ": one line: " + r.err());
        assertTrue(r.errLines().get(0).startsWith("grokscope: " + expected), what + ": " + r.err());
        assertEquals("", r.out(), what + ": nothing printed");
        assertEquals(before, HostileInputIT.snapshot(ws), what + ": no file created or changed");
    }
}
