package dev.grokscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.BadInputException;
import dev.grokscope.backend.Backend;
import dev.grokscope.report.InterventionFigures;
import dev.grokscope.report.XYFigure;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.Json;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.state.Line;
import dev.grokscope.state.ModeConnectivity;
import dev.grokscope.state.Parent;
import dev.grokscope.state.RunStates;
import dev.grokscope.state.State;
import dev.grokscope.state.StateEvaluator;
import dev.grokscope.sweep.SweepDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code grokscope lmc BRANCH_RUN|SWEEP_DIR...}: linear mode connectivity of branches (Frankle et al.
 * 2020; Yunis et al. 2024). Branch runs ({@code run --from}) are grouped by their parent state (trunk
 * run and epoch, from run.json); for every group, every pair of the branches' final states is
 * interpolated ({@link Line}) on the first branch's split, and {@link ModeConnectivity} averages them per
 * branch epoch -> {@code lmc.csv}: one row per pair with the
 * trunk (its directory name, so that the table holds no machine paths),
 * branch epoch, loss barriers, error instabilities, endpoint accuracies and the top-10 SVA of every
 * weight matrix; {@code lmc.json} with the means per branch epoch; figures of barrier and instability
 * vs branch epoch and of SVA vs branch epoch.
 */
@Command(name = "lmc", mixinStandardHelpOptions = true,
        description = "Linear mode connectivity of branch runs: every pair of branches of one parent state interpolated.",
        footer = {"", "BRANCH_RUN: a run made with run --from; SWEEP_DIR: a sweep whose runs/ hold branch runs.",
            "Pairs are the final states of branches with the same parent state (trunk run and epoch).",
            "Writes DIR/lmc.csv, DIR/lmc.json and DIR/lmc_barrier.png/.svg, DIR/lmc_sva.png/.svg",
            "(DIR: --out, or the one SWEEP_DIR given)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "2:bad input (not a branch, unfinished branch, a parent with one branch only,"
                + " different architectures, output exists); nothing written"})
public final class LmcCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "BRANCH_RUN|SWEEP_DIR")
    List<Path> inputs;

    @Option(names = "--points", description = "alphas in linspace(0, 1, N), N >= 3 (default 11)")
    int points = 11;

    @Option(names = "--out", paramLabel = "DIR", description = "where lmc.csv, lmc.json and the figures go")
    Path out;

    @Mixin
    ForceOption force;

    /** The state branches start from: the trunk (run directory or state file) and its epoch. */
    record ParentState(String trunk, int epoch) implements Comparable<ParentState> {
        private static final Comparator<ParentState> ORDER =
                Comparator.comparing(ParentState::trunk).thenComparingInt(ParentState::epoch);

        @Override
        public int compareTo(ParentState o) {
            return ORDER.compare(this, o); // epochs in numeric order: 2 before 10
        }

        @Override
        public String toString() {
            return trunk + "@" + epoch;
        }
    }

    /** A branch: its run directory and the state it started from. */
    record Branch(Path run, ParentState parent) {
        int epoch() {
            return parent.epoch();
        }
    }

    static final String CSV = "lmc.csv";
    static final String JSON = "lmc.json";

    @Override
    public Integer call() throws IOException {
        if (points < 3) {
            throw new BadInputException("--points: must be >= 3 (one interior point at least), got " + points);
        }
        List<Branch> branches = new ArrayList<>();
        for (Path p : inputs) {
            branches.addAll(branches(p));
        }
        Path dir = out != null ? out : inputs.size() == 1 && !Files.isRegularFile(inputs.get(0).resolve(RunDirectory.CONFIG))
                ? inputs.get(0) : null;
        if (dir == null) {
            throw new BadInputException("lmc: give --out DIR (several inputs, or a branch run)");
        }
        Map<ParentState, List<Branch>> groups = new TreeMap<>();
        for (Branch b : branches) {
            groups.computeIfAbsent(b.parent(), k -> new ArrayList<>()).add(b);
        }
        Map<Branch, State> finals = new LinkedHashMap<>();
        for (Map.Entry<ParentState, List<Branch>> g : groups.entrySet()) {
            if (g.getValue().size() < 2) {
                throw new BadInputException(g.getValue().get(0).run() + ": the only branch of " + g.getKey()
                        + "; linear mode connectivity needs two branches of one parent state");
            }
            for (Branch b : g.getValue()) {
                State s = RunStates.open(b.run()).read(RunStates.open(b.run()).finalState());
                if (!finals.isEmpty()) {
                    Map.Entry<Branch, State> first = finals.entrySet().iterator().next();
                    State.requireSameArchitecture(first.getKey().run().toString(), first.getValue(), b.run().toString(), s);
                }
                finals.put(b, s);
            }
        }
        for (String f : List.of(CSV, JSON)) {
            OutputFiles.check(dir.resolve(f), force.on);
        }

        Backend.start();
        StateEvaluator ev = new StateEvaluator();
        List<String> matrices = finals.values().iterator().next().matrices();
        List<String> columns = new ArrayList<>(List.of("trunk", "branch_epoch", "a", "b", "loss_barrier_train",
                "loss_barrier_val", "error_instability_train", "error_instability_val", "a_train_accuracy",
                "a_val_accuracy", "b_train_accuracy", "b_val_accuracy"));
        matrices.forEach(m -> columns.add("sva_" + m));
        Tables.Table t = new Tables.Table(columns);
        ModeConnectivity lmc = new ModeConnectivity(matrices);
        for (List<Branch> g : groups.values()) {
            for (int i = 0; i < g.size(); i++) {
                for (int j = i + 1; j < g.size(); j++) {
                    Branch a = g.get(i);
                    Branch b = g.get(j);
                    Line line = Line.scan(ev, finals.get(a), a.run().toString(), finals.get(b), points);
                    lmc.add(new ModeConnectivity.Pair(Path.of(a.parent().trunk()).getFileName().toString(), a.epoch(),
                            a.run().getFileName().toString(), b.run().getFileName().toString(), line));
                }
            }
        }
        for (ModeConnectivity.Pair p : lmc.pairs()) {
            Line line = p.line();
            List<Object> row = new ArrayList<>(List.of(p.trunk(), p.branchEpoch(), p.a(), p.b(),
                    line.lossBarrierTrain(), line.lossBarrierVal(), line.errorInstabilityTrain(),
                    line.errorInstabilityVal(), line.first().trainAccuracy(), line.first().valAccuracy(),
                    line.last().trainAccuracy(), line.last().valAccuracy()));
            matrices.forEach(m -> row.add(line.sva().get(m)));
            t.add(row.toArray());
        }
        List<ModeConnectivity.EpochMeans> means = lmc.byBranchEpoch();
        List<Map<String, Object>> byEpoch = new ArrayList<>();
        for (ModeConnectivity.EpochMeans e : means) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("branch_epoch", e.branchEpoch());
            m.put("pairs", e.pairs());
            m.put("mean_loss_barrier_val", e.lossBarrierVal());
            m.put("mean_loss_barrier_train", e.lossBarrierTrain());
            m.put("mean_error_instability_val", e.errorInstabilityVal());
            m.put("mean_sva_top10", e.sva());
            byEpoch.add(m);
        }
        Files.createDirectories(dir);
        for (String f : List.of(CSV, JSON)) {
            OutputFiles.clear(dir.resolve(f));
        }
        AtomicFiles.writeString(dir.resolve(CSV), t.csv());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("points", points);
        summary.put("evaluated_on", "the split of the first branch of each pair (branches share their parent's split)");
        summary.put("by_branch_epoch", byEpoch);
        AtomicFiles.writeString(dir.resolve(JSON), t.json(summary) + "\n");
        InterventionFigures.write(dir, figures(means, matrices));
        System.err.println("grokscope: lmc: " + t.rows().size() + " pairs at " + means.size() + " branch epochs -> "
                + dir.resolve(CSV));
        System.out.print(t.csv());
        return 0;
    }

    private static List<XYFigure> figures(List<ModeConnectivity.EpochMeans> means, List<String> matrices) {
        double[] x = means.stream().mapToDouble(ModeConnectivity.EpochMeans::branchEpoch).toArray();
        double[][] y = new double[3 + matrices.size()][];
        y[0] = means.stream().mapToDouble(ModeConnectivity.EpochMeans::lossBarrierVal).toArray();
        y[1] = means.stream().mapToDouble(ModeConnectivity.EpochMeans::lossBarrierTrain).toArray();
        y[2] = means.stream().mapToDouble(ModeConnectivity.EpochMeans::errorInstabilityVal).toArray();
        for (int m = 0; m < matrices.size(); m++) {
            String name = matrices.get(m);
            y[3 + m] = means.stream().mapToDouble(e -> e.sva().get(name)).toArray();
        }
        String[] colors = {"#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
        XYFigure barrier = new XYFigure.Builder("lmc_barrier", "Linear mode connectivity of branches")
                .x("branch epoch", false).y("mean over pairs", false)
                .series("loss barrier (val)", x, y[0], XYFigure.Style.LINE_POINTS, colors[0])
                .series("loss barrier (train)", x, y[1], XYFigure.Style.DASHED, colors[0])
                .series("error instability (val)", x, y[2], XYFigure.Style.LINE_POINTS, colors[2])
                .note("Frankle et al. 2020: about zero once the branches are linearly mode connected").build();
        XYFigure.Builder sva = new XYFigure.Builder("lmc_sva", "Top-10 singular-vector agreement of branch endpoints")
                .x("branch epoch", false).y("SVA (mean over pairs)", false);
        for (int m = 0; m < matrices.size(); m++) {
            sva.series(matrices.get(m), x, y[3 + m], XYFigure.Style.LINE_POINTS, colors[m % colors.length]);
        }
        return List.of(barrier, sva.build());
    }

    /**
     * The branch runs an input names: a branch run, or every branch run of a sweep's runs/ (not the
     * attempts a sweep moved aside).
     */
    private static List<Branch> branches(Path p) throws IOException {
        if (Files.isRegularFile(p.resolve(RunDirectory.CONFIG))) {
            return List.of(branch(p));
        }
        Path runs = p.resolve(SweepDirectory.RUNS);
        if (!Files.isDirectory(runs)) {
            throw new BadInputException(p + ": neither a run directory nor a sweep directory (no " + SweepDirectory.RUNS + "/)");
        }
        List<Branch> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(runs)) {
            for (Path r : s.filter(r -> Files.isRegularFile(r.resolve(RunDirectory.CONFIG)))
                    .filter(r -> !RunDirectory.isMovedAside(r.getFileName().toString())).sorted().toList()) {
                out.add(branch(r));
            }
        }
        if (out.isEmpty()) {
            throw new BadInputException(p + ": the sweep has no runs yet");
        }
        return out;
    }

    private static Branch branch(Path run) throws IOException {
        Path json = run.resolve(RunDirectory.RUN);
        if (!Files.isRegularFile(json)) {
            throw new BadInputException(run + ": no " + RunDirectory.RUN);
        }
        JsonNode parent = Json.mapper().readTree(json.toFile()).get(Parent.KEY);
        if (parent == null || parent.isNull()) {
            throw new BadInputException(run + ": not a branch (run.json has no parent; make branches with run --from)");
        }
        String trunk = parent.get("run").isNull() ? parent.get("file").asText() : parent.get("run").asText();
        int epoch = parent.get("epoch").asInt();
        return new Branch(run, new ParentState(trunk, epoch));
    }
}
