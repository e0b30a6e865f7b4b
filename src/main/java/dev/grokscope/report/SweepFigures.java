package dev.grokscope.report;

import dev.grokscope.report.XYFigure.Style;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * The figures of a sweep, against its main axis (weight decay when swept, see
 * {@link SweepData#mainAxis()}).
 *
 * <p>The main axis is categorical: its values in increasing order, equally spaced. A log axis has no
 * place for weight decay 0, and sweeps space their values roughly logarithmically anyway. Runs that
 * differ in the other axes (seeds) are separate series, nudged sideways so they do not hide each other.
 */
public final class SweepFigures {
    private SweepFigures() {
    }

    public static List<Figure> of(SweepData sweep) {
        String axis = sweep.mainAxis();
        List<Figure> figures = new ArrayList<>();
        if (axis == null || sweep.runs().isEmpty()) {
            figures.add(new XYFigure.Builder("grok-epoch", "Epochs to grok").note("The sweep has no axes or no runs.").build());
            return figures;
        }
        List<String> values = categories(sweep, axis);
        Map<Double, String> ticks = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
            ticks.put((double) i, values.get(i));
        }
        Map<String, List<SweepData.Run>> groups = groups(sweep, axis);
        String axisNote = "'" + axis + "' is drawn as categories (values in increasing order, equally spaced) so "
                + "that 0 has a place; runs of different " + String.join(", ", otherAxes(sweep, axis))
                + " are nudged sideways.";

        XYFigure.Builder grok = new XYFigure.Builder("grok-epoch", "Epochs to grok (val accuracy >= 99%) vs " + axis)
                .x(axis, false).y("first epoch with val accuracy >= 99% (log scale)", true).xTicks(ticks);
        perGroup(grok, groups, values, axis, SweepData.Run::epochVal99);
        median(grok, sweep, values, axis, SweepData.Run::epochVal99, "median over runs", Colors.MEDIAN);
        List<SweepData.Run> notGrokked = sweep.runs().stream().filter(r -> !Double.isFinite(r.epochVal99())).toList();
        if (!notGrokked.isEmpty()) {
            double[][] xy = points(notGrokked, values, axis, SweepData.Run::epochsRun, 0);
            grok.series("did not grok (drawn at its last epoch)", xy[0], xy[1], Style.POINTS, "#aaaaaa");
            grok.note(notGrokked.size() + " run(s) never reached 99% validation accuracy: drawn in grey at their last "
                    + "evaluated epoch, left out of the median.");
        }
        figures.add(grok.note(axisNote).build());

        XYFigure.Builder acc = new XYFigure.Builder("final-accuracy", "Final accuracy vs " + axis)
                .x(axis, false).y("accuracy at the last epoch", false).xTicks(ticks);
        double[][] train = points(sweep.runs(), values, axis, SweepData.Run::finalTrainAccuracy, -0.08);
        double[][] val = points(sweep.runs(), values, axis, SweepData.Run::finalValAccuracy, 0.08);
        acc.series("train (each run)", train[0], train[1], Style.POINTS, Colors.TRAIN)
                .series("val (each run)", val[0], val[1], Style.POINTS, Colors.VAL);
        median(acc, sweep, values, axis, SweepData.Run::finalTrainAccuracy, "train median", Colors.TRAIN);
        median(acc, sweep, values, axis, SweepData.Run::finalValAccuracy, "val median", Colors.VAL);
        figures.add(acc.note(axisNote).build());

        XYFigure.Builder rank = new XYFigure.Builder("effective-rank", "Mean effective rank at the end vs " + axis)
                .x(axis, false).y("final_mean_effective_rank (summary.csv)", false).xTicks(ticks);
        perGroup(rank, groups, values, axis, SweepData.Run::finalMeanEffectiveRank);
        median(rank, sweep, values, axis, SweepData.Run::finalMeanEffectiveRank, "median over runs", Colors.MEDIAN);
        figures.add(rank.note(axisNote).build());

        for (Map.Entry<String, List<SweepData.Run>> g : groups.entrySet()) {
            List<SweepData.Run> runs = new ArrayList<>(g.getValue());
            runs.sort(Comparator.comparingInt(r -> values.indexOf(r.axisValues().get(axis))));
            figures.add(curves("val-curves-" + g.getKey(), "Validation accuracy, " + g.getKey(), "val accuracy", runs,
                    values, axis, r -> r.epochs(), SweepData.Run::valAccuracy));
            figures.add(curves("train-curves-" + g.getKey(), "Training accuracy, " + g.getKey(), "train accuracy", runs,
                    values, axis, r -> r.epochs(), SweepData.Run::trainAccuracy));
            if (runs.stream().anyMatch(r -> r.rankEpochs().length > 0)) {
                figures.add(curves("rank-curves-" + g.getKey(), "Mean effective rank over training, " + g.getKey(),
                        "mean effective_rank_normalized over matrices", runs, values, axis, SweepData.Run::rankEpochs,
                        SweepData.Run::meanEffectiveRank));
            }
        }
        return figures;
    }

    /** One curve per run of a group, coloured by its value of the main axis. */
    private static XYFigure curves(String id, String title, String yLabel, List<SweepData.Run> runs, List<String> values,
                                   String axis, java.util.function.Function<SweepData.Run, double[]> x,
                                   java.util.function.Function<SweepData.Run, double[]> y) {
        XYFigure.Builder b = new XYFigure.Builder(id, title).x(RunFigures.EPOCH_AXIS, true).y(yLabel, false);
        for (SweepData.Run r : runs) {
            int i = values.indexOf(r.axisValues().get(axis));
            b.series(axis + "=" + r.axisValues().get(axis), RunFigures.plusOne(x.apply(r)), y.apply(r), Style.LINE,
                    Colors.ordered(i, values.size()));
        }
        return b.note("Colour runs from dark (smallest " + axis + ") to light (largest).").note(RunFigures.EPOCH_NOTE).build();
    }

    /** The distinct values of an axis, numerically increasing when all are numbers. */
    static List<String> categories(SweepData sweep, String axis) {
        List<String> v = sweep.runs().stream().map(r -> r.axisValues().getOrDefault(axis, "")).distinct()
                .collect(Collectors.toCollection(ArrayList::new));
        boolean numeric = v.stream().allMatch(s -> Double.isFinite(Table.number(s)));
        v.sort(numeric ? Comparator.comparingDouble(Table::number) : Comparator.naturalOrder());
        return v;
    }

    private static List<String> otherAxes(SweepData sweep, String axis) {
        List<String> others = sweep.axes().stream().filter(a -> !a.equals(axis)).toList();
        return others.isEmpty() ? List.of("id") : others;
    }

    /** Runs grouped by their values of the other axes, e.g. "seed=1"; "all runs" when there are none. */
    static Map<String, List<SweepData.Run>> groups(SweepData sweep, String axis) {
        Map<String, List<SweepData.Run>> g = new LinkedHashMap<>();
        for (SweepData.Run r : sweep.runs()) {
            String key = r.axisValues().entrySet().stream().filter(e -> !e.getKey().equals(axis))
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
            g.computeIfAbsent(key.isEmpty() ? "all runs" : key, k -> new ArrayList<>()).add(r);
        }
        return g;
    }

    private static void perGroup(XYFigure.Builder b, Map<String, List<SweepData.Run>> groups, List<String> values,
                                 String axis, ToDoubleFunction<SweepData.Run> y) {
        int n = groups.size();
        int i = 0;
        for (Map.Entry<String, List<SweepData.Run>> g : groups.entrySet()) {
            double nudge = n == 1 ? 0 : 0.3 * (i / (n - 1.0) - 0.5);
            double[][] xy = points(g.getValue(), values, axis, y, nudge);
            b.series(g.getKey(), xy[0], xy[1], Style.POINTS, Colors.categorical(i));
            i++;
        }
    }

    private static void median(XYFigure.Builder b, SweepData sweep, List<String> values, String axis,
                               ToDoubleFunction<SweepData.Run> y, String name, String color) {
        double[] x = new double[values.size()];
        double[] m = new double[values.size()];
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            x[i] = i;
            m[i] = median(sweep.runs().stream().filter(r -> v.equals(r.axisValues().get(axis))).mapToDouble(y)
                    .filter(Double::isFinite).toArray());
        }
        b.series(name, x, m, Style.LINE_POINTS, color);
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double[][] points(List<SweepData.Run> runs, List<String> values, String axis,
                                     ToDoubleFunction<SweepData.Run> y, double nudge) {
        double[][] xy = new double[2][runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            xy[0][i] = values.indexOf(runs.get(i).axisValues().get(axis)) + nudge;
            xy[1][i] = y.applyAsDouble(runs.get(i));
        }
        return xy;
    }
}
