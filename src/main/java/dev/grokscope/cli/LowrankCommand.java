package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.backend.Backend;
import dev.grokscope.eval.Scores;
import dev.grokscope.state.StateEvaluator;
import dev.grokscope.intervene.LowRank;
import dev.grokscope.report.Reports;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.Npy;
import dev.grokscope.spectra.Svd;
import dev.grokscope.state.RunStates;
import dev.grokscope.state.State;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code grokscope lowrank RUN}: Yunis et al.'s low-rank pruning at every saved state of a run. Each
 * weight matrix except the output layer is replaced by its top ceil(f k) singular components (or the
 * remaining bottom ones); the dense, top and bottom networks' training and validation loss and accuracy
 * go to {@code RUN/lowrank.csv} (epoch, variant, train_loss, train_accuracy, val_loss, val_accuracy,
 * kept_rank_fraction), the settings to {@code lowrank.json}, and two figures to {@code RUN/report/}.
 */
@Command(name = "lowrank", mixinStandardHelpOptions = true,
        description = "Low-rank pruning (Yunis et al. 2024) at every saved state of a run: dense vs top vs bottom "
                + "singular components of every weight matrix except the output layer.",
        footer = {"", "Writes RUN/lowrank.csv, RUN/lowrank.json and RUN/report/lowrank_accuracy.png/.svg,",
            "lowrank_loss.png/.svg; prints the CSV (or --json). Save a trajectory with",
            "checkpoint.trajectoryEvery (and checkpoint.epochs) to have states to prune."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:written", "2:bad input (not a run, no such epoch, fraction outside (0, 1), corrupt state,"
                + " output exists); nothing written"})
public final class LowrankCommand implements Callable<Integer> {
    static final List<String> COLUMNS = List.of("epoch", "variant", "train_loss", "train_accuracy", "val_loss",
            "val_accuracy", "weight_norm");
    static final String CSV = dev.grokscope.report.InterventionFigures.LOWRANK_CSV;

    @Parameters(index = "0", paramLabel = "RUN", description = "a run directory with saved states")
    Path run;

    @Option(names = "--keep", split = ",", paramLabel = "PART", description = "top, bottom or both (default: top,bottom)")
    List<String> keep = List.of("top", "bottom");

    @Option(names = "--fraction", paramLabel = "F", description = "top part keeps ceil(F k) of k components, F in (0, 1) (default 0.5)")
    Double fraction;

    @Option(names = "--rank", paramLabel = "R", description = "top part keeps min(R, k) components instead")
    Integer rank;

    @Option(names = "--epochs", paramLabel = "all|E,E,...", description = "which saved states (default: all)")
    String epochs = "all";

    @Option(names = "--out", paramLabel = "FILE", description = "the CSV (default RUN/lowrank.csv; lowrank.json beside it)")
    Path out;

    @Mixin
    ForceOption force;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        LowRank.Cut cut = cut();
        List<LowRank.Part> parts = parts();
        RunStates states = RunStates.open(run);
        Map<Integer, Path> chosen = chosen(states);
        Path csv = out != null ? out : run.resolve(CSV);
        Path jsonFile = csv.resolveSibling(csv.getFileName().toString().replaceFirst("\\.csv$", "") + ".json");
        OutputFiles.check(csv, force.on);
        OutputFiles.check(jsonFile, force.on);

        Backend.start();
        StateEvaluator ev = new StateEvaluator();
        Tables.Table t = new Tables.Table(COLUMNS);
        Map<String, Object> ranks = new LinkedHashMap<>();
        List<String> truncated = null;
        long t0 = System.nanoTime();
        for (Map.Entry<Integer, Path> e : chosen.entrySet()) {
            String label = run + "@" + e.getKey();
            State s = states.read(e.getValue());
            Scores dense = ev.evaluate(s, label);
            t.add(e.getKey(), "dense", dense.trainLoss(), dense.trainAccuracy(), dense.valLoss(), dense.valAccuracy(),
                    dense.weightNorm());
            if (truncated == null) {
                truncated = LowRank.truncatable(ev.experiment(), s.matrices());
            }
            Map<String, Svd> svds = LowRank.decompose(s.params(), truncated);
            svds.forEach((name, svd) -> ranks.putIfAbsent(name, Map.of("k", svd.rank(), "top", cut.topRank(svd.rank()))));
            for (LowRank.Part part : parts) {
                Map<String, Npy.Array> p = LowRank.truncate(s.params(), svds, part, cut);
                Scores sc = ev.evaluate(s, p, label);
                t.add(e.getKey(), part.label(), sc.trainLoss(), sc.trainAccuracy(), sc.valLoss(), sc.valAccuracy(),
                        sc.weightNorm());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("run", run.toAbsolutePath().normalize().getFileName().toString()); // its name: no machine paths in results
        settings.put("fraction", rank == null ? cut.fraction() : null);
        settings.put("rank", rank);
        settings.put("kept", parts.stream().map(LowRank.Part::label).toList());
        settings.put("output_layer_kept_dense", LowRank.outputLayer(ev.experiment()));
        settings.put("truncated", ranks);
        settings.put("states", chosen.size());
        settings.put("seconds", seconds);

        OutputFiles.clear(csv);
        OutputFiles.clear(jsonFile);
        AtomicFiles.writeString(csv, t.csv());
        AtomicFiles.writeString(jsonFile, Tables.json(settings) + "\n");
        List<Path> figures = figures();
        PrintWriter pw = spec.commandLine().getOut();
        pw.print(json.on ? t.json(settings) + "\n" : t.csv());
        pw.flush();
        System.err.printf(Locale.ROOT, "grokscope: lowrank: %d states in %.1f s -> %s, %s%s%n", chosen.size(), seconds, csv,
                jsonFile, figures.isEmpty() ? "" : ", " + figures.get(0).getParent() + "/lowrank_*.png");
        return 0;
    }

    private LowRank.Cut cut() {
        if (fraction != null && rank != null) {
            throw new BadInputException("--fraction and --rank: give one of them");
        }
        if (rank != null) {
            if (rank < 1) {
                throw new BadInputException("--rank: must be >= 1, got " + rank);
            }
            return LowRank.Cut.rank(rank);
        }
        double f = fraction == null ? 0.5 : fraction;
        if (!(f > 0 && f < 1)) {
            throw new BadInputException("--fraction: must be in (0, 1), got " + f);
        }
        return LowRank.Cut.fraction(f);
    }

    private List<LowRank.Part> parts() {
        List<LowRank.Part> p = new ArrayList<>();
        for (String k : keep) {
            LowRank.Part part = switch (k.strip().toLowerCase(Locale.ROOT)) {
                case "top" -> LowRank.Part.TOP;
                case "bottom" -> LowRank.Part.BOTTOM;
                default -> throw new BadInputException("--keep: must be top, bottom or top,bottom, got " + k);
            };
            if (!p.contains(part)) {
                p.add(part);
            }
        }
        return p;
    }

    private Map<Integer, Path> chosen(RunStates states) {
        if (epochs.equals("all")) {
            if (states.isEmpty()) {
                throw new BadInputException(run + ": no saved states; run with checkpoint.trajectoryEvery to save some");
            }
            return states.epochs();
        }
        Map<Integer, Path> m = new java.util.TreeMap<>();
        for (String e : epochs.split(",")) {
            int epoch;
            try {
                epoch = Integer.parseInt(e.strip());
            } catch (NumberFormatException ex) {
                throw new BadInputException("--epochs: must be all or a list of epochs like 0,100,200, got " + epochs);
            }
            m.put(epoch, states.at(epoch));
        }
        return m;
    }

    /** The run's report (figures and report.html, lowrank's included) when the CSV is the run's own. */
    private List<Path> figures() {
        if (!csv().toAbsolutePath().normalize().equals(run.resolve(CSV).toAbsolutePath().normalize())) {
            return List.of(); // the result is not the run's: its report stays as it is
        }
        Reports.Report r = Reports.write(run);
        return r.files().stream().filter(f -> f.getFileName().toString().startsWith("lowrank_")).toList();
    }

    private Path csv() {
        return out != null ? out : run.resolve(CSV);
    }
}
