package dev.grokscope.report;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.grokscope.results.Json;
import dev.grokscope.results.RunDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A sweep directory as a report needs it, read leniently like {@link RunData}:
 * {@code sweep.yaml}, {@code plan.csv} (id, one column per axis), {@code summary.csv} (one row per run)
 * and each {@code runs/<id>/metrics.csv} for the validation curves. A run missing from summary.csv
 * (e.g. still going) is taken from its own summary.json.
 *
 * @param axes the plan's axis keys, e.g. {@code optimizer.weightDecay}, {@code seed}
 * @param runs one entry per run id, in plan order
 */
public record SweepData(Path dir, String sweepYaml, List<String> axes, List<Run> runs, List<String> missing) {
    static final String WEIGHT_DECAY = "optimizer.weightDecay";
    static final String SEED = "seed";

    /**
     * One run of the sweep; numbers are NaN when unknown.
     *
     * @param axisValues the run's value of every axis, as written in plan.csv
     * @param epochsRun the last evaluated epoch in metrics.csv (NaN without metrics)
     * @param epochs, valAccuracy the validation curve from metrics.csv (empty when absent)
     */
    public record Run(String id, Map<String, String> axisValues, String status, double epochTrain99,
                      double epochVal99, double finalTrainAccuracy, double finalValAccuracy,
                      double finalMeanEffectiveRank, double epochsRun, double[] epochs, double[] valAccuracy,
                      double[] trainAccuracy, double[] rankEpochs, double[] meanEffectiveRank) {
    }

    /**
     * The mean over matrices of spectra.csv's {@code effective_rank_normalized} at each snapshot epoch:
     * {epochs, means}, in epoch order; empty when the run has no spectra.
     */
    static double[][] meanEffectiveRankCurve(Path spectraCsv) {
        if (!Files.isRegularFile(spectraCsv)) {
            return new double[][] {{}, {}};
        }
        java.util.TreeMap<Double, double[]> sums = new java.util.TreeMap<>();
        try {
            Table t = Table.read(spectraCsv);
            double[] e = t.numbers("epoch");
            double[] r = t.numbers("effective_rank_normalized");
            for (int i = 0; i < e.length; i++) {
                if (Double.isFinite(e[i]) && Double.isFinite(r[i])) {
                    double[] a = sums.computeIfAbsent(e[i], k -> new double[2]);
                    a[0] += r[i];
                    a[1]++;
                }
            }
        } catch (IOException ex) {
            return new double[][] {{}, {}};
        }
        double[][] out = new double[2][sums.size()];
        int i = 0;
        for (Map.Entry<Double, double[]> en : sums.entrySet()) {
            out[0][i] = en.getKey();
            out[1][i++] = en.getValue()[0] / en.getValue()[1];
        }
        return out;
    }

    /** Reads a sweep directory; never throws. */
    public static SweepData read(Path dir) {
        List<String> missing = new ArrayList<>();
        String yaml = null;
        try {
            yaml = Files.readString(dir.resolve("sweep.yaml"));
        } catch (IOException e) {
            missing.add(RunData.absent(dir.resolve("sweep.yaml"), e) + ": the sweep definition is not shown");
        }
        Table plan = table(dir.resolve("plan.csv"), missing, "axes are taken from summary.csv");
        Table summary = table(dir.resolve("summary.csv"), missing,
                "outcomes are taken from each run's summary.json");

        List<String> axes = new ArrayList<>();
        if (!plan.header().isEmpty()) {
            plan.header().stream().filter(h -> !h.equals("id")).forEach(axes::add);
        } else if (summary.has("status")) {
            List<String> h = summary.header();
            axes.addAll(h.subList(h.indexOf("id") + 1, h.indexOf("status")));
        }
        Map<String, Map<String, String>> planRows = byId(plan);
        Map<String, Map<String, String>> summaryRows = byId(summary);
        Set<String> ids = new LinkedHashSet<>(planRows.keySet());
        ids.addAll(summaryRows.keySet());
        ids.addAll(runDirs(dir.resolve("runs")));

        List<Run> runs = new ArrayList<>();
        List<String> notInSummary = new ArrayList<>();
        for (String id : ids) {
            Map<String, String> p = planRows.getOrDefault(id, summaryRows.getOrDefault(id, Map.of()));
            Map<String, String> axisValues = new LinkedHashMap<>();
            axes.forEach(a -> axisValues.put(a, p.getOrDefault(a, "")));
            Path runDir = dir.resolve("runs").resolve(id);
            Table metrics = Table.empty();
            try {
                metrics = Table.read(runDir.resolve(RunDirectory.METRICS));
            } catch (IOException e) {
                missing.add("runs/" + id + ": " + RunData.absent(runDir.resolve(RunDirectory.METRICS), e)
                        + ": no validation curve");
            }
            double[] epochs = metrics.numbers("epoch");
            double epochsRun = epochs.length == 0 ? Double.NaN : epochs[epochs.length - 1];
            Map<String, String> s = summaryRows.get(id);
            double[][] rank = meanEffectiveRankCurve(runDir.resolve(RunDirectory.SPECTRA_CSV));
            Run run;
            if (s != null) {
                run = new Run(id, axisValues, s.getOrDefault("status", ""), num(s, "epoch_train_99"),
                        num(s, "epoch_val_99"), num(s, "final_train_accuracy"), num(s, "final_val_accuracy"),
                        num(s, "final_mean_effective_rank"), epochsRun, epochs, metrics.numbers("val_accuracy"),
                        metrics.numbers("train_accuracy"), rank[0], rank[1]);
            } else {
                notInSummary.add(id);
                Map<String, Object> js = json(runDir.resolve(RunDirectory.SUMMARY));
                Map<?, ?> fin = js.get("final") instanceof Map<?, ?> m ? m : Map.of();
                Object status = js.get("status");
                if (status == null) {
                    status = json(runDir.resolve(RunDirectory.RUN)).getOrDefault("status", "unknown");
                }
                run = new Run(id, axisValues, String.valueOf(status), num(js.get("epoch_train_99")),
                        num(js.get("epoch_val_99")), num(fin.get("train_accuracy")), num(fin.get("val_accuracy")),
                        Double.NaN, epochsRun, epochs, metrics.numbers("val_accuracy"), metrics.numbers("train_accuracy"),
                        rank[0], rank[1]);
            }
            runs.add(run);
        }
        if (!notInSummary.isEmpty() && !summary.header().isEmpty()) {
            missing.add("summary.csv has no row for " + String.join("; ", notInSummary)
                    + ": taken from the run's own summary.json (no final effective rank)");
        }
        if (runs.isEmpty()) {
            missing.add("no runs found (plan.csv, summary.csv and runs/ are empty or absent)");
        }
        return new SweepData(dir, yaml, List.copyOf(axes), List.copyOf(runs), List.copyOf(missing));
    }

    /** The axis the figures are drawn against: weight decay if swept, else the first axis other than seed. */
    public String mainAxis() {
        if (axes.contains(WEIGHT_DECAY)) {
            return WEIGHT_DECAY;
        }
        return axes.stream().filter(a -> !a.equals(SEED)).findFirst().orElse(axes.isEmpty() ? null : axes.get(0));
    }

    private static double num(Map<String, String> row, String column) {
        return Table.number(row.get(column));
    }

    private static double num(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        return o == null ? Double.NaN : Table.number(o.toString());
    }

    private static Map<String, Map<String, String>> byId(Table t) {
        Map<String, Map<String, String>> m = new LinkedHashMap<>();
        if (t.has("id")) {
            t.rows().forEach(r -> m.put(r.get("id"), r));
        }
        return m;
    }

    private static List<String> runDirs(Path runs) {
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runs)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(id -> !RunDirectory.isMovedAside(id)).sorted().toList(); // earlier attempts, kept aside
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Map<String, Object> json(Path file) {
        try {
            return Json.mapper().readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            return Map.of();
        }
    }

    private static Table table(Path file, List<String> missing, String consequence) {
        try {
            return Table.read(file);
        } catch (IOException e) {
            missing.add(RunData.absent(file, e) + ": " + consequence);
            return Table.empty();
        }
    }
}
