package dev.grokscope.report;

import dev.grokscope.report.EarlyWarnings.Outcome;
import dev.grokscope.report.EarlyWarnings.Row;
import dev.grokscope.report.EarlyWarnings.Rule;
import dev.grokscope.report.EarlyWarnings.Scored;
import dev.grokscope.report.XYFigure.Style;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.CsvLog;
import dev.grokscope.train.RunStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the evaluation of {@link EarlyWarnings}: {@value #CSV} (one row per run), {@value #MARKDOWN}
 * (the same table and per-rule counts), {@value #OVERVIEW} (every run's epoch_val_99 and warning epochs
 * in one figure) and {@code figures/<run>.png} (validation accuracy with the warning epochs and
 * epoch_val_99 marked).
 */
public final class EarlyWarningReport {
    public static final String CSV = "early-warning.csv";
    public static final String MARKDOWN = "early-warning.md";
    public static final String FIGURES = "figures";
    public static final String OVERVIEW = "early-warning.png";
    /** Columns of early-warning.csv before the per-rule ones. */
    public static final List<String> RUN_COLUMNS = List.of("run", "weight_decay", "seed", "train_fraction", "status",
            "epoch_val_99", "last_epoch");
    /** Per-rule columns, each prefixed by {@link Rule#column()} and an underscore. */
    public static final List<String> RULE_COLUMNS = List.of("warning_epoch", "matrix", "lead", "outcome", "rule");
    private static final Map<Rule, String> COLORS = Map.of(Rule.SPECTRAL, "#2ca02c", Rule.TRAIN_LOSS, "#9467bd",
            Rule.WEIGHT_NORM, "#17becf");

    private EarlyWarningReport() {
    }

    /** The header of early-warning.csv. */
    public static List<String> header() {
        List<String> h = new ArrayList<>(RUN_COLUMNS);
        for (Rule r : Rule.values()) {
            RULE_COLUMNS.forEach(c -> h.add(r.column() + "_" + c));
        }
        return h;
    }

    /** Writes the three outputs into {@code out} (created if needed); returns the files written. */
    public static List<Path> write(List<Row> rows, Path out) throws IOException {
        Files.createDirectories(out.resolve(FIGURES));
        List<Path> files = new ArrayList<>();
        Path csv = out.resolve(CSV);
        Path tmp = Files.createTempFile(out, CSV, ".tmp");
        try (CsvLog log = CsvLog.create(tmp, header())) {
            for (Row r : rows) {
                log.append(csvRow(r));
            }
        }
        Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        files.add(csv);
        Path md = out.resolve(MARKDOWN);
        AtomicFiles.writeString(md, markdown(rows));
        files.add(md);
        Path overview = out.resolve(OVERVIEW);
        AtomicFiles.write(overview, ChartImages.png(ChartImages.painter(overview(rows)), ChartImages.WIDTH, ChartImages.HEIGHT));
        files.add(overview);
        for (Row r : rows) {
            Path png = out.resolve(FIGURES).resolve(ChartImages.fileStem(r.run().replace('/', '_')) + ".png");
            AtomicFiles.write(png, ChartImages.png(ChartImages.painter(figure(r)), ChartImages.WIDTH, ChartImages.HEIGHT));
            files.add(png);
        }
        return files;
    }

    static List<Object> csvRow(Row r) {
        List<Object> v = new ArrayList<>(List.of(r.run(), r.weightDecay(), r.seed(), r.trainFraction(), r.status(),
                blank(r.epochVal99()), blank(r.lastEpoch())));
        for (Rule rule : Rule.values()) {
            Scored s = r.scored(rule);
            v.add(s.warning() == null ? "" : s.warning().epoch());
            v.add(s.warning() == null ? "" : s.warning().matrix());
            v.add(blank(s.lead()));
            v.add(s.outcome().label());
            v.add(s.rule());
        }
        return v;
    }

    /** The markdown table and, per rule, hits (with median lead), late, misses, false alarms, quiet, open. */
    static String markdown(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("| # | run | wd | seed | data | val99 | last epoch |");
        for (Rule r : Rule.values()) {
            b.append(' ').append(r.column()).append(" warning | lead |");
        }
        b.append('\n').append("|---".repeat(7 + 2 * Rule.values().length)).append("|\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            b.append("| ").append(i + 1).append(" | ").append(r.run()).append(" | ").append(r.weightDecay()).append(" | ").append(r.seed())
                    .append(" | ").append(r.trainFraction()).append(" | ").append(dash(r.epochVal99())).append(" | ")
                    .append(dash(r.lastEpoch())).append(r.status().equals(RunStatus.COMPLETED.label()) ? "" : " (" + r.status() + ")")
                    .append(" |");
            for (Rule rule : Rule.values()) {
                Scored s = r.scored(rule);
                String w = s.warning() == null ? "-" : s.warning().epoch()
                        + (rule == Rule.SPECTRAL ? " " + s.warning().matrix() : "");
                b.append(' ').append(w).append(" (").append(s.outcome().label()).append(") | ")
                        .append(dash(s.lead())).append(" |");
            }
            b.append('\n');
        }
        b.append("\n| rule | formula | hits | median lead (min-max) | late | misses | false alarms | quiet | open |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (Rule rule : Rule.values()) {
            List<Scored> s = rows.stream().map(r -> r.scored(rule)).toList();
            int[] leads = s.stream().filter(x -> x.outcome() == Outcome.HIT).mapToInt(Scored::lead).sorted().toArray();
            b.append("| ").append(rule.column()).append(" | `").append(s.isEmpty() ? "" : s.get(0).rule()).append("` | ")
                    .append(leads.length).append(" | ").append(leadSummary(leads)).append(" | ")
                    .append(count(s, Outcome.LATE)).append(" | ").append(count(s, Outcome.MISS)).append(" | ")
                    .append(count(s, Outcome.FALSE_ALARM)).append(" | ").append(count(s, Outcome.QUIET)).append(" | ")
                    .append(count(s, Outcome.OPEN)).append(" |\n");
        }
        List<String> notes = rows.stream().filter(r -> !r.notes().isEmpty())
                .map(r -> "- " + r.run() + ": " + String.join("; ", r.notes())).toList();
        if (!notes.isEmpty()) {
            b.append("\nMissing from the run files:\n\n").append(String.join("\n", notes)).append('\n');
        }
        return b.toString();
    }

    /**
     * One column per run (in table order, numbered; the table gives the names): its epoch_val_99 and the
     * epoch of each rule's warning, on a log axis drawn as epoch + 1 so that a warning at epoch 0 shows.
     */
    static XYFigure overview(List<Row> rows) {
        Map<Double, String> ticks = new java.util.LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            ticks.put((double) i, String.valueOf(i + 1));
        }
        XYFigure.Builder f = new XYFigure.Builder("early-warning", "Warning epochs and epoch_val_99, run by run")
                .x("run (row of early-warning.md)", false).y("epoch + 1 (log scale)", true).xTicks(ticks);
        f.series("val 99%", columns(rows), plusOne(rows.stream().map(Row::epochVal99).toList()), Style.POINTS,
                Colors.MARKER_VAL);
        for (Rule rule : Rule.values()) {
            f.series(rule.column() + " warning", columns(rows), plusOne(rows.stream()
                    .map(r -> r.scored(rule).warning() == null ? null : r.scored(rule).warning().epoch()).toList()),
                    Style.POINTS, COLORS.get(rule));
        }
        return f.note("A run without a point for a rule: the rule did not fire (or the run did not grok, for val 99%).")
                .build();
    }

    private static double[] columns(List<Row> rows) {
        double[] x = new double[rows.size()];
        Arrays.setAll(x, i -> i);
        return x;
    }

    private static double[] plusOne(List<Integer> epochs) {
        return epochs.stream().mapToDouble(e -> e == null ? Double.NaN : e + 1.0).toArray();
    }

    /** Validation accuracy of one run against epoch, with epoch_val_99 and each warning marked. */
    static XYFigure figure(Row r) {
        XYFigure.Builder f = new XYFigure.Builder("early-warning", r.run() + ": validation accuracy and warnings")
                .x("epoch", false).y("validation accuracy", false)
                .series("val accuracy", r.epochs(), r.valAccuracy(), Style.LINE, Colors.VAL);
        if (r.epochVal99() != null) {
            f.marker("val 99% @" + r.epochVal99(), r.epochVal99(), Colors.MARKER_VAL);
        }
        for (Rule rule : Rule.values()) {
            Scored s = r.scored(rule);
            if (s.warning() != null) {
                String what = rule == Rule.SPECTRAL ? "spectral (" + s.warning().matrix() + ")" : rule.column();
                f.marker(what + " @" + s.warning().epoch(), s.warning().epoch(), COLORS.get(rule));
            }
        }
        if (Arrays.stream(r.valAccuracy()).noneMatch(Double::isFinite)) {
            f.note("No validation accuracy in metrics.csv.");
        }
        return f.build();
    }

    private static String leadSummary(int[] leads) {
        if (leads.length == 0) {
            return "-";
        }
        double median = SweepFigures.median(Arrays.stream(leads).asDoubleStream().toArray());
        return String.format(Locale.ROOT, "%s (%d-%d)", median == Math.rint(median) ? String.valueOf((long) median)
                : String.valueOf(median), leads[0], leads[leads.length - 1]);
    }

    private static long count(List<Scored> s, Outcome o) {
        return s.stream().filter(x -> x.outcome() == o).count();
    }

    private static Object blank(Integer v) {
        return v == null ? "" : v;
    }

    private static String dash(Integer v) {
        return v == null ? "-" : String.valueOf(v);
    }
}
