package dev.grokscope.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.results.Json;
import dev.grokscope.results.RunDirectory;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a sweep directory's runs into {@code summary.csv} (one row per planned point, plan order) and
 * one {@code by_<key>.csv} per axis. A pure function of the directory: it can run at any time, any
 * number of times, and writes each table atomically.
 *
 * <p>{@code final_mean_effective_rank} is the mean over weight matrices of effective_rank_normalized
 * (exp of the entropy of s_i / sum s, divided by the number of singular values; Roy and Vetterli 2007)
 * at the last snapshot epoch in spectra.csv. A run is grokked when its {@code epoch_val_99} is set.
 */
public final class Aggregator {
    /** summary.csv's columns after id and the axis keys. */
    public static final List<String> SUMMARY_COLUMNS = List.of("status", "epoch_train_99", "epoch_val_99",
            "final_train_accuracy", "final_val_accuracy", "final_train_loss", "final_val_loss",
            "final_mean_effective_rank", "wall_time_s");
    /** by_&lt;key&gt;.csv's columns. */
    public static final List<String> BY_AXIS_COLUMNS = List.of("value", "runs", "completed", "grokked_fraction",
            "median_epoch_val_99", "median_final_val_accuracy");

    private Aggregator() {
    }

    /** One row of summary.csv. */
    public record Row(String id, Map<String, String> axes, String status, Integer epochTrain99, Integer epochVal99,
                      Double trainAccuracy, Double valAccuracy, Double trainLoss, Double valLoss,
                      Double meanEffectiveRank, Double wallSeconds) {
        List<String> cells(List<String> keys) {
            List<String> c = new ArrayList<>(List.of(id));
            keys.forEach(k -> c.add(axes.getOrDefault(k, "")));
            c.add(status);
            for (Object o : new Object[] {epochTrain99, epochVal99, trainAccuracy, valAccuracy, trainLoss, valLoss,
                    meanEffectiveRank, wallSeconds}) {
                c.add(format(o));
            }
            return c;
        }
    }

    /** Writes summary.csv and the by_&lt;key&gt;.csv tables; returns the rows. */
    public static List<Row> aggregate(SweepDirectory dir) throws IOException {
        SweepDirectory.PlanTable plan = dir.readPlan();
        List<Row> rows = new ArrayList<>();
        for (String id : plan.ids()) {
            rows.add(row(id, plan.rows().get(id), dir.run(id)));
        }
        List<String> header = new ArrayList<>(List.of("id"));
        header.addAll(plan.keys());
        header.addAll(SUMMARY_COLUMNS);
        SweepDirectory.writeCsv(dir.file(SweepDirectory.SUMMARY), header, rows.stream().map(r -> r.cells(plan.keys())).toList());
        for (String key : plan.keys()) {
            SweepDirectory.writeCsv(dir.file(byAxisFile(key)), BY_AXIS_COLUMNS, byAxis(rows, key));
        }
        return rows;
    }

    public static String byAxisFile(String key) {
        return "by_" + Grid.sanitize(key) + ".csv";
    }

    static Row row(String id, Map<String, String> planRow, RunDirectory run) throws IOException {
        Map<String, String> axes = new LinkedHashMap<>(planRow);
        axes.remove("id");
        String status = PointRunner.status(run);
        JsonNode s = Files.isRegularFile(run.summary()) ? Json.mapper().readTree(run.summary().toFile()) : null;
        if (s == null) {
            return new Row(id, axes, status, null, null, null, null, null, null, null, null);
        }
        JsonNode f = s.path("final");
        return new Row(id, axes, status, integer(s.get("epoch_train_99")), integer(s.get("epoch_val_99")),
                number(f.get("train_accuracy")), number(f.get("val_accuracy")), number(f.get("train_loss")),
                number(f.get("val_loss")), meanEffectiveRank(run.spectraCsv()), number(s.get("wall_time_s")));
    }

    /** Mean of effective_rank_normalized over the matrices of the last snapshot epoch, or null. */
    static Double meanEffectiveRank(Path spectraCsv) throws IOException {
        if (!Files.isRegularFile(spectraCsv)) {
            return null;
        }
        try (Reader r = Files.newBufferedReader(spectraCsv, StandardCharsets.UTF_8);
             CSVParser p = CSVParser.parse(r, CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build())) {
            if (!p.getHeaderNames().contains("epoch") || !p.getHeaderNames().contains("effective_rank_normalized")) {
                return null;
            }
            long lastEpoch = Long.MIN_VALUE;
            double sum = 0;
            int n = 0;
            for (CSVRecord rec : p) {
                if (!rec.isConsistent()) {
                    continue; // a run killed mid-line
                }
                long epoch = Long.parseLong(rec.get("epoch"));
                double v = parse(rec.get("effective_rank_normalized"));
                if (epoch > lastEpoch) {
                    lastEpoch = epoch;
                    sum = 0;
                    n = 0;
                }
                if (epoch == lastEpoch && Double.isFinite(v)) {
                    sum += v;
                    n++;
                }
            }
            return n == 0 ? null : sum / n;
        }
    }

    static List<List<String>> byAxis(List<Row> rows, String key) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            String v = r.axes().getOrDefault(key, "");
            if (!v.isEmpty()) {
                groups.computeIfAbsent(v, x -> new ArrayList<>()).add(r);
            }
        }
        List<List<String>> out = new ArrayList<>();
        groups.forEach((value, rs) -> {
            long completed = rs.stream().filter(r -> r.status().equals(dev.grokscope.train.RunStatus.COMPLETED.label())).count();
            double[] grokEpochs = rs.stream().filter(r -> r.epochVal99() != null).mapToDouble(Row::epochVal99).toArray();
            double[] valAcc = rs.stream().filter(r -> r.valAccuracy() != null).mapToDouble(Row::valAccuracy).toArray();
            out.add(List.of(value, Integer.toString(rs.size()), Long.toString(completed),
                    format((double) grokEpochs.length / rs.size()), format(median(grokEpochs)), format(median(valAcc))));
        });
        return out;
    }

    /** The median (mean of the middle two for an even count), or null for no values. */
    static Double median(double[] v) {
        if (v.length == 0) {
            return null;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    private static Integer integer(JsonNode n) {
        return n == null || !n.isNumber() ? null : n.asInt();
    }

    private static Double number(JsonNode n) {
        return n == null || !n.isNumber() ? null : n.asDouble();
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static String format(Object o) {
        if (o == null) {
            return "";
        }
        if (o instanceof Double d) {
            if (!Double.isFinite(d)) {
                return d.toString();
            }
            return d == Math.rint(d) && Math.abs(d) < 1e9 ? Long.toString(d.longValue())
                    : String.format(Locale.ROOT, "%.6g", d).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2").replaceFirst("\\.(e|$)", "$1");
        }
        return o.toString();
    }
}
