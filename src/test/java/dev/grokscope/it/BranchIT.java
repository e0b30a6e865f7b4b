package dev.grokscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grokscope.results.Npy;
import dev.grokscope.state.State;
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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Branches ({@code run CONFIG --from STATE}) end to end on a real minibatch trunk: a branch with the
 * trunk's seed is the trunk, branches of one seed are identical, branches of different seeds agree at
 * the branch epoch and differ after it, a branch's first evaluation is its parent state's, run.json
 * records the parent, resume, and bad input.
 */
class BranchIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SAME = StatesIT.SAME;
    static final int AT = 3;
    @TempDir
    static Path ws;
    static Path trunk;

    /** A small minibatch run (6 steps an epoch), spectra every 2 epochs. */
    static List<String> args(String... more) {
        List<String> a = new ArrayList<>(List.of("run", Path.of("configs/quickstart.yaml").toAbsolutePath().toString(),
                "--set", "data.p=23", "--set", "model.width=32", "--set", "training.batchSize=48", "--set", "training.epochs=8",
                "--set", "instrumentation.spectraEvery=2", "--set", "output.progress=none", "--set", "output.report=false",
                "--set", "checkpoint.everySeconds=0"));
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

    @BeforeAll
    static void trunkAndBranches() throws Exception {
        trunk = run("trunk", "--set", "checkpoint.epochs=[0," + AT + "]", "--set", "checkpoint.trajectoryOptimizer=true");
        run("b0", "--from", trunk + "@" + AT);
        run("b5", "--set", "seed=5", "--from", trunk + "@" + AT);
        run("b5again", "--set", "seed=5", "--from", trunk + "@" + AT);
        run("b6", "--set", "seed=6", "--from", trunk + "@" + AT);
        run("e0s5", "--set", "seed=5", "--from", trunk + "@0");
        run("e0s6", "--set", "seed=6", "--from", trunk + "@0");
    }

    static List<CSVRecord> metrics(Path run) throws Exception {
        return RunCommandIT.csv(run.resolve("metrics.csv"));
    }

    static Map<String, Npy.Array> finalParams(Path run) {
        return StateFile.read(run.resolve("states/final.zip")).params();
    }

    static void assertSameParams(Map<String, Npy.Array> a, Map<String, Npy.Array> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v.data(), b.get(k).data(), k));
    }

    @Test
    void aBranchWithTheTrunksSeedIsTheTrunkFromTheBranchEpochOn() throws Exception {
        List<CSVRecord> t = metrics(trunk);
        List<CSVRecord> b = metrics(ws.resolve("b0"));
        assertEquals(8 - AT + 1, b.size(), "epochs " + AT + "..8");
        for (int i = 0; i < b.size(); i++) {
            for (String c : SAME) {
                assertEquals(t.get(AT + i).get(c), b.get(i).get(c), "epoch " + (AT + i) + " " + c);
            }
        }
        assertSameParams(finalParams(trunk), finalParams(ws.resolve("b0")));
    }

    @Test
    void twoBranchesWithTheSameSeedAreIdentical() throws Exception {
        ResilienceIT.assertSameRun(ws.resolve("b5"), ws.resolve("b5again"));
        assertSameParams(finalParams(ws.resolve("b5")), finalParams(ws.resolve("b5again")));
    }

    @Test
    void branchesWithDifferentSeedsDifferOnlyAfterTheBranchEpoch() throws Exception {
        List<CSVRecord> a = metrics(ws.resolve("b5"));
        List<CSVRecord> b = metrics(ws.resolve("b6"));
        assertEquals(String.valueOf(AT), a.get(0).get("epoch"));
        for (String c : SAME) {
            assertEquals(a.get(0).get(c), b.get(0).get(c), "branch epoch " + c);
        }
        for (int i = 1; i < a.size(); i++) {
            assertEquals(a.get(i).get("step"), b.get(i).get("step"), "same number of steps");
            assertNotEquals(a.get(i).get("train_loss"), b.get(i).get("train_loss"), "epoch " + a.get(i).get("epoch"));
        }
        assertEquals(Files.readString(ws.resolve("b5/config.yaml")).replace("seed: 5", "seed: 6"),
                Files.readString(ws.resolve("b6/config.yaml")), "the configs differ only in the seed");
    }

    @Test
    void aBranchsFirstEvaluationEqualsItsParentStatesEvaluation() throws Exception {
        Cli.Result r = Cli.run(ws, "eval", trunk + "@" + AT);
        assertEquals(0, r.exit(), r.err());
        CSVRecord parent = StatesIT.csv(r.out()).get(0);
        for (String name : List.of("b0", "b5", "b6")) {
            CSVRecord first = metrics(ws.resolve(name)).get(0);
            for (String c : SAME) {
                assertEquals(parent.get(c), first.get(c), name + " " + c);
            }
        }
    }

    @Test
    void runJsonRecordsTheParentAndTheBranchKeepsItsSplit() throws Exception {
        JsonNode p = JSON.readTree(ws.resolve("b5/run.json").toFile()).get("parent");
        Path file = trunk.resolve(String.format("states/epoch-%09d.zip", AT));
        assertEquals(AT, p.get("epoch").asInt());
        assertEquals(trunk.toAbsolutePath().normalize().toString(), p.get("run").asText());
        assertEquals(file.toAbsolutePath().normalize().toString(), p.get("file").asText());
        assertEquals(dev.grokscope.state.Parent.sha256(file), p.get("sha256").asText());
        assertEquals(64, p.get("sha256").asText().length());
        State s = StateFile.read(ws.resolve("b5/states/final.zip"));
        assertEquals(0, s.experiment("b5").data().seed(), "the trunk's data seed");
        assertEquals(5, s.experiment("b5").seed());
        assertEquals(JSON.readTree(trunk.resolve("run.json").toFile()).get("val_examples"),
                JSON.readTree(ws.resolve("b5/run.json").toFile()).get("val_examples"));
    }

    @Test
    void aResumedBranchEqualsTheUninterruptedOne() throws Exception {
        Path whole = run("ck", "--set", "seed=7", "--set", "checkpoint.everyEpochs=2", "--set", "checkpoint.keep=10",
                "--from", trunk + "@" + AT);
        for (int at : new int[] {6, -1}) { // from the checkpoint of epoch 6, and with no checkpoint: from the parent again
            Path cut = Interrupted.copy(whole, ws.resolve("cut" + at), at);
            Cli.Result r = Cli.run(ws, "run", "--resume", cut.toString());
            assertEquals(0, r.exit(), r.err());
            ResilienceIT.assertSameRun(whole, cut);
            assertSameParams(finalParams(whole), finalParams(cut));
        }
    }

    @Test
    void badParentsGetOneLineAndExit2AndNothingIsWritten() throws Exception {
        Cli.Result avg = Cli.run(ws, "average", trunk + "@0", trunk + "@" + AT, "--out", ws.resolve("avg.zip").toString());
        assertEquals(0, avg.exit(), avg.err());
        Map<String, List<String>> cases = Map.of(
                "no state saved at epoch 4", List.of("--from", trunk + "@4"),
                "no such", List.of("--from", ws.resolve("nothing").toString()),
                "has shape", List.of("--set", "model.width=16", "--from", trunk + "@" + AT),
                "optimizer", List.of("--set", "optimizer.type=sgd", "--from", trunk + "@" + AT),
                "weights-only", List.of("--from", ws.resolve("avg.zip").toString()),
                "training.epochs must be later", List.of("--set", "training.epochs=" + AT, "--from", trunk + "@" + AT));
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            Path out = ws.resolve("bad");
            List<String> a = args(c.getValue().toArray(String[]::new));
            a.addAll(List.of("--out", out.toString()));
            Cli.Result r = Cli.run(ws, a.toArray(String[]::new));
            assertEquals(2, r.exit(), c.getKey() + ": " + r.err());
            List<String> lines = r.errLines();
            assertEquals(1, lines.size(), c.getKey() + ": " + r.err());
            assertTrue(lines.get(0).contains(c.getKey()), lines.get(0));
            assertFalse(Files.exists(out), c.getKey() + ": nothing written");
        }
    }

    @Test
    void lmcOfIdenticalEndpointsHasZeroBarrierAndFullAgreement() throws Exception {
        Path out = ws.resolve("lmc-same");
        Cli.Result r = Cli.run(ws, "lmc", ws.resolve("b5").toString(), ws.resolve("b5again").toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<CSVRecord> rows = RunCommandIT.csv(out.resolve("lmc.csv"));
        assertEquals(1, rows.size());
        CSVRecord row = rows.get(0);
        assertEquals(String.valueOf(AT), row.get("branch_epoch"));
        for (String c : List.of("loss_barrier_train", "loss_barrier_val")) {
            assertEquals(0.0, Double.parseDouble(row.get(c)), 1e-12, c); // the chord of equal losses, to rounding
        }
        assertEquals(0.0, Double.parseDouble(row.get("error_instability_train")));
        assertEquals(0.0, Double.parseDouble(row.get("error_instability_val")));
        assertEquals(row.get("a_val_accuracy"), row.get("b_val_accuracy"));
        for (String m : List.of("layers.0.W", "layers.1.W")) {
            assertEquals(1.0, Double.parseDouble(row.get("sva_" + m)), 1e-9, m);
        }
        assertEquals("trunk", row.get("trunk"), "the trunk's name, no machine path");
        for (String f : List.of("lmc.json", "lmc_barrier.png", "lmc_sva.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        String before = Files.readString(out.resolve("lmc.csv"));
        Cli.Result again = Cli.run(ws, "lmc", ws.resolve("b5").toString(), ws.resolve("b6").toString(), "--out", out.toString());
        assertEquals(2, again.exit(), again.err());
        assertTrue(again.errLines().get(0).contains("exists"), again.err());
        assertEquals(before, Files.readString(out.resolve("lmc.csv")), "an existing result is never overwritten");
    }

    @Test
    void lmcGroupsBranchesByParentEpochAndPairsEveryTwo() throws Exception {
        Path out = ws.resolve("lmc-all");
        List<String> a = new ArrayList<>(List.of("lmc"));
        for (String b : List.of("b5", "b6", "b5again", "e0s5", "e0s6")) {
            a.add(ws.resolve(b).toString());
        }
        a.addAll(List.of("--points", "5", "--out", out.toString()));
        Cli.Result r = Cli.run(ws, a.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        List<CSVRecord> rows = RunCommandIT.csv(out.resolve("lmc.csv"));
        assertEquals(List.of("0", String.valueOf(AT), String.valueOf(AT), String.valueOf(AT)),
                rows.stream().map(x -> x.get("branch_epoch")).toList(), "1 pair of epoch-0 branches, 3 of epoch-" + AT);
        CSVRecord e0 = rows.get(0);
        assertEquals(List.of("e0s5", "e0s6"), List.of(e0.get("a"), e0.get("b")));
        CSVRecord b5b6 = rows.stream().filter(x -> x.get("a").equals("b5") && x.get("b").equals("b6")).findFirst().orElseThrow();
        Cli.Result one = Cli.run(ws, "interpolate", ws.resolve("b5").toString(), ws.resolve("b6").toString(), "--points", "5", "--json");
        assertEquals(0, one.exit(), one.err());
        JsonNode j = JSON.readTree(one.out());
        assertEquals(j.get("loss_barrier_val").asDouble(), Double.parseDouble(b5b6.get("loss_barrier_val")), "lmc = interpolate");
        assertEquals(j.get("error_instability_val").asDouble(), Double.parseDouble(b5b6.get("error_instability_val")));
        assertEquals(j.get("sva_top10").get("layers.0.W").asDouble(), Double.parseDouble(b5b6.get("sva_layers.0.W")));
        JsonNode summary = JSON.readTree(out.resolve("lmc.json").toFile()).get("by_branch_epoch");
        assertEquals(2, summary.size());
        assertEquals(3, summary.get(1).get("pairs").asInt());
    }

    @Test
    void lmcRefusesRunsThatAreNotBranchesAndLoneBranches() throws Exception {
        for (List<String> c : List.of(List.of(trunk.toString(), ws.resolve("b5").toString()),
                List.of(ws.resolve("e0s5").toString(), ws.resolve("b5").toString(), ws.resolve("b6").toString()))) {
            Path out = ws.resolve("lmc-bad");
            List<String> a = new ArrayList<>(List.of("lmc"));
            a.addAll(c);
            a.addAll(List.of("--out", out.toString()));
            Cli.Result r = Cli.run(ws, a.toArray(String[]::new));
            assertEquals(2, r.exit(), r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.errLines().get(0).contains("not a branch") || r.errLines().get(0).contains("the only branch"), r.err());
            assertFalse(Files.exists(out));
        }
    }

    /** A sweep of branches: the trunk's saved epochs 0 and 3 x seeds 5 and 6, run locally, then lmc of the sweep. */
    @Test
    void aSweepBranchesATrunkAtSeveralEpochsAndSeedsAndLmcReadsIt() throws Exception {
        String sweep = "base: " + Path.of("configs/quickstart.yaml").toAbsolutePath() + "\n"
                + "set: {data.p: 23, model.width: 32, training.batchSize: 48, training.epochs: 6,"
                + " instrumentation.spectraEvery: 0, output.progress: none, output.report: false}\n"
                + "grid:\n  from: [trunk@0, trunk@" + AT + "]\n  seed: [5, 6]\n";
        Files.writeString(ws.resolve("branches.yaml"), sweep);
        Path out = ws.resolve("sweep");
        Cli.Result r = Cli.run(ws, "sweep", "branches.yaml", "--out", out.toString(), "--jobs", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> ids = new ArrayList<>();
        try (var s = Files.list(out.resolve("runs"))) {
            s.filter(Files::isDirectory).map(x -> x.getFileName().toString()).sorted().forEach(ids::add);
        }
        assertEquals(List.of("from=trunk_0,seed=5", "from=trunk_0,seed=6", "from=trunk_3,seed=5", "from=trunk_3,seed=6"), ids);
        JsonNode p = JSON.readTree(out.resolve("runs/from=trunk_3,seed=6/run.json").toFile()).get("parent");
        assertEquals(AT, p.get("epoch").asInt());
        assertEquals(dev.grokscope.state.Parent.sha256(trunk.resolve(String.format("states/epoch-%09d.zip", AT))),
                p.get("sha256").asText());
        Cli.Result lmc = Cli.run(ws, "lmc", out.toString());
        assertEquals(0, lmc.exit(), lmc.err());
        assertEquals(List.of("0", String.valueOf(AT)), RunCommandIT.csv(out.resolve("lmc.csv")).stream()
                .map(x -> x.get("branch_epoch")).toList());

        Files.writeString(ws.resolve("unsaved.yaml"), sweep.replace("trunk@" + AT, "trunk@4"));
        Cli.Result bad = Cli.run(ws, "sweep", "unsaved.yaml", "--out", ws.resolve("unsaved").toString());
        assertEquals(2, bad.exit(), bad.err());
        assertEquals(1, bad.errLines().size(), bad.err());
        assertTrue(bad.errLines().get(0).contains("no state saved at epoch 4; nearest saved epochs: 3"), bad.err());
        assertFalse(Files.exists(ws.resolve("unsaved")));
    }
}
