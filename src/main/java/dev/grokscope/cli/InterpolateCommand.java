package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.backend.Backend;
import dev.grokscope.eval.Scores;
import dev.grokscope.state.Line;
import dev.grokscope.state.StateEvaluator;
import dev.grokscope.report.InterventionFigures;
import dev.grokscope.report.Reports;
import dev.grokscope.report.XYFigure;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.state.State;
import dev.grokscope.state.StateRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code grokscope interpolate STATE_A STATE_B}: loss and accuracy along the straight line between two
 * states, the loss barrier (Yunis et al.), the error instability (Frankle et al. 2020) and the top-10
 * singular-vector agreement of the endpoints' matrices. Every point is evaluated on STATE_A's split.
 */
@Command(name = "interpolate", mixinStandardHelpOptions = true,
        description = "Loss and accuracy on the line (1 - alpha) A + alpha B; loss barrier, error instability, endpoint SVA.",
        footer = {"", "STATE: RUN_DIR, RUN_DIR@EPOCH, RUN_DIR@last or a state file. Evaluated on STATE_A's split.",
            "loss_barrier = max_interior L(alpha) - ((1-alpha) L(0) + alpha L(1)) (Yunis et al. 2024);",
            "error_instability = max_interior err(alpha) - (err(0) + err(1)) / 2 (Frankle et al. 2020);",
            "sva = mean over the top 10 pairs of |(u_A,i . u_B,i)(v_A,i . v_B,i)| per weight matrix.",
            "Prints the CSV (or --json); when both states are of one run, also writes",
            "RUN/interpolate-<A>-<B>.csv/.json and RUN/report/interpolate-<A>-<B>.png (--out DIR: there instead)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "2:bad input (missing state or epoch, different architectures, corrupt state,"
                + " --points < 3, output exists); nothing written"})
public final class InterpolateCommand implements Callable<Integer> {
    static final List<String> COLUMNS = List.of("alpha", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
            "weight_norm");

    @Parameters(index = "0", paramLabel = "STATE_A")
    String a;

    @Parameters(index = "1", paramLabel = "STATE_B")
    String b;

    @Option(names = "--points", description = "alphas in linspace(0, 1, N), N >= 3 (default 11)")
    int points = 11;

    @Option(names = "--out", paramLabel = "DIR", description = "write interpolate-<A>-<B>.csv/.json and the figure here")
    Path out;

    @Mixin
    ForceOption force;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (points < 3) {
            throw new BadInputException("--points: must be >= 3 (one interior point at least), got " + points);
        }
        StateRef ra = StateRef.one(a);
        StateRef rb = StateRef.one(b);
        State sa = ra.read();
        State sb = rb.read();
        State.requireSameArchitecture(ra.label(), sa, rb.label(), sb);
        if (!sa.experiment(ra.label()).model().equals(sb.experiment(rb.label()).model())) {
            throw new BadInputException(rb.label() + ": different model from " + ra.label() + " (model section of the configs differs)");
        }
        String stem = "interpolate-" + ra.epoch() + "-" + rb.epoch();
        Path dir = out != null ? out : ra.run() != null && rb.run() != null
                && ra.run().root().toAbsolutePath().normalize().equals(rb.run().root().toAbsolutePath().normalize())
                ? ra.run().root() : null;
        if (dir != null) {
            OutputFiles.check(dir.resolve(stem + ".csv"), force.on);
            OutputFiles.check(dir.resolve(stem + ".json"), force.on);
        }

        Backend.start();
        Line line = Line.scan(new StateEvaluator(), sa, ra.label(), sb, points);
        double[] alphas = line.alphas();
        Tables.Table t = new Tables.Table(COLUMNS);
        for (int i = 0; i < alphas.length; i++) {
            Scores s = line.scores().get(i);
            t.add(alphas[i], s.trainLoss(), s.trainAccuracy(), s.valLoss(), s.valAccuracy(), s.weightNorm());
        }
        List<Double> trainLoss = line.trainLoss();
        List<Double> valLoss = line.valLoss();
        List<Double> trainErr = line.trainError();
        List<Double> valErr = line.valError();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("a", ra.label());
        summary.put("b", rb.label());
        summary.put("evaluated_on", "the split of " + ra.label());
        summary.put("loss_barrier_train", line.lossBarrierTrain());
        summary.put("loss_barrier_val", line.lossBarrierVal());
        summary.put("error_instability_train", line.errorInstabilityTrain());
        summary.put("error_instability_val", line.errorInstabilityVal());
        Map<String, Double> sva = line.sva();
        summary.put("sva_top10", sva);

        if (dir != null) {
            Path csv = dir.resolve(stem + ".csv");
            Path js = dir.resolve(stem + ".json");
            OutputFiles.clear(csv);
            OutputFiles.clear(js);
            AtomicFiles.writeString(csv, t.csv());
            AtomicFiles.writeString(js, t.json(summary) + "\n");
            List<InterventionFigures.Curve> val = List.of(new InterventionFigures.Curve("loss", toArray(valLoss)),
                    new InterventionFigures.Curve("error", toArray(valErr)));
            List<InterventionFigures.Curve> train = List.of(new InterventionFigures.Curve("loss", toArray(trainLoss)),
                    new InterventionFigures.Curve("error", toArray(trainErr)));
            XYFigure f = InterventionFigures.figure(stem, "Interpolation " + ra.label() + " -> " + rb.label(), "alpha",
                    "loss / error", alphas, val, train, String.format(java.util.Locale.ROOT,
                            "val loss barrier %.4g, val error instability %.4g",
                            summary.get("loss_barrier_val"), summary.get("error_instability_val")));
            InterventionFigures.write(out != null ? dir : dir.resolve(Reports.DIR), List.of(f));
            System.err.println("grokscope: interpolate: wrote " + csv + ", " + js);
        }
        PrintWriter pw = spec.commandLine().getOut();
        pw.print(json.on ? t.json(summary) + "\n" : t.csv());
        if (!json.on) {
            summary.forEach((k, v) -> {
                if (k.startsWith("loss_barrier") || k.startsWith("error_instability")) {
                    pw.println("# " + k + " = " + v);
                }
            });
            sva.forEach((k, v) -> pw.println("# sva_top10 " + k + " = " + v));
        }
        pw.flush();
        return 0;
    }

    private static double[] toArray(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
