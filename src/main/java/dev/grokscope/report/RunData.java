package dev.grokscope.report;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.grokscope.results.Json;
import dev.grokscope.results.Npy;
import dev.grokscope.results.RunDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Everything a report shows of one run directory, read leniently: a file that is absent, unreadable or
 * half-written is left empty and described in {@link #missing()}, never thrown.
 *
 * @param dir the run directory
 * @param config config.yaml as text, or null
 * @param run run.json, empty when absent
 * @param summary summary.json, or null while the run is going (or when it was killed)
 * @param metrics metrics.csv (empty table when absent)
 * @param spectra spectra.csv (empty table when absent)
 * @param spectrumEpochs spectra/epochs.npy, or null
 * @param singularValues spectra/&lt;matrix&gt;.npy by matrix name, rows aligned with {@code spectrumEpochs}
 * @param missing one sentence per thing that is absent or unusable
 */
public record RunData(Path dir, String config, Map<String, Object> run, Map<String, Object> summary,
                      Table metrics, Table spectra, double[] spectrumEpochs,
                      Map<String, double[][]> singularValues, List<String> missing) {

    /** Reads a run directory; never throws. */
    public static RunData read(Path dir) {
        RunDirectory rd = new RunDirectory(dir);
        List<String> missing = new ArrayList<>();
        String config = null;
        try {
            config = Files.readString(rd.config());
        } catch (IOException e) {
            missing.add(absent(rd.config(), e) + ": the config table is empty");
        }
        Map<String, Object> run = json(rd.runJson(), missing, "provenance is unknown");
        Map<String, Object> summary = Files.exists(rd.summary()) ? json(rd.summary(), missing, "no summary") : null;
        if (summary != null && summary.isEmpty()) {
            summary = null;
        }
        if (summary == null && !Files.exists(rd.summary())) {
            missing.add("summary.json is absent: the run is still going or was stopped before it ended "
                    + "(status in run.json: " + run.getOrDefault("status", "unknown") + ")");
        }
        Table metrics = table(rd.metrics(), missing, "no accuracy, loss or weight-norm curves");
        Table spectra = table(rd.spectraCsv(), missing, "no effective-rank, stable-rank or alpha curves");
        describeNonFinite(metrics, missing);

        double[] epochs = null;
        Map<String, double[][]> sv = new LinkedHashMap<>();
        Path epochsFile = rd.spectra().resolve(RunDirectory.EPOCHS);
        try {
            epochs = Npy.read(epochsFile).data();
        } catch (RuntimeException e) {
            missing.add(absent(epochsFile, e) + ": no singular-value figures");
        }
        if (epochs != null) {
            for (String m : matrixFiles(rd.spectra())) {
                Path f = rd.spectrum(m);
                try {
                    Npy.Array a = Npy.read(f);
                    if (a.shape().length != 2) {
                        missing.add(f.getFileName() + " is not a 2-D array: left out");
                        continue;
                    }
                    double[][] rows = a.matrix();
                    if (rows.length != epochs.length) {
                        int n = Math.min(rows.length, epochs.length);
                        missing.add("spectra/" + f.getFileName() + " has " + rows.length + " snapshots but epochs.npy "
                                + epochs.length + " (files still growing?): using the first " + n);
                        rows = Arrays.copyOf(rows, n);
                    }
                    sv.put(m, rows);
                } catch (RuntimeException e) {
                    missing.add(absent(f, e) + ": no singular-value figures for " + m);
                }
            }
            if (sv.isEmpty()) {
                missing.add("spectra/ holds no matrix .npy files: no singular-value figures");
            }
            int n = sv.values().stream().mapToInt(r -> r.length).min().orElse(epochs.length);
            if (n < epochs.length) {
                epochs = Arrays.copyOf(epochs, n);
            }
        }
        return new RunData(dir, config, run, summary, metrics, spectra, epochs, Collections.unmodifiableMap(sv),
                List.copyOf(missing));
    }

    /** The run's name: run.json's name, else the directory name. */
    public String name() {
        Object n = run.get("name");
        return n != null ? n.toString() : String.valueOf(dir.toAbsolutePath().normalize().getFileName());
    }

    /** summary.json's status, else run.json's, else "unknown". */
    public String status() {
        if (summary != null && summary.get("status") != null) {
            return summary.get("status").toString();
        }
        Object s = run.get("status");
        return s != null ? s.toString() : "unknown";
    }

    /** A number from summary.json, or NaN when absent or null. */
    public double summaryNumber(String key) {
        if (summary == null || !(summary.get(key) instanceof Number n)) {
            return Double.NaN;
        }
        return n.doubleValue();
    }

    /** Matrix names in the order spectra.csv lists them, then any others with a spectrum file. */
    public List<String> matrices() {
        Set<String> names = new LinkedHashSet<>();
        if (spectra.has("matrix")) {
            spectra.rows().forEach(r -> names.add(r.get("matrix")));
        }
        names.addAll(singularValues.keySet());
        names.remove(null);
        names.remove("");
        return List.copyOf(names);
    }

    /** One matrix's column of spectra.csv as {epochs, values}, in file order. */
    public double[][] spectraSeries(String matrix, String column) {
        List<double[]> pts = new ArrayList<>();
        for (Map<String, String> r : spectra.rows()) {
            if (matrix.equals(r.get("matrix"))) {
                pts.add(new double[] {Table.number(r.get("epoch")), Table.number(r.get(column))});
            }
        }
        double[][] xy = new double[2][pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            xy[0][i] = pts.get(i)[0];
            xy[1][i] = pts.get(i)[1];
        }
        return xy;
    }

    private static List<String> matrixFiles(Path spectraDir) {
        if (!Files.isDirectory(spectraDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(spectraDir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".npy") && !n.equals(RunDirectory.EPOCHS))
                    .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void describeNonFinite(Table metrics, List<String> missing) {
        if (!metrics.has("epoch")) {
            return;
        }
        double[] epoch = metrics.numbers("epoch");
        int bad = 0;
        double first = Double.NaN;
        for (String c : List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "weight_norm")) {
            if (!metrics.has(c)) {
                missing.add("metrics.csv has no column " + c);
            }
        }
        for (int i = 0; i < epoch.length; i++) {
            Map<String, String> row = metrics.rows().get(i);
            boolean nonFinite = Stream.of("train_loss", "val_loss", "weight_norm")
                    .anyMatch(c -> row.containsKey(c) && !Double.isFinite(Table.number(row.get(c))));
            if (nonFinite) {
                bad++;
                if (Double.isNaN(first)) {
                    first = epoch[i];
                }
            }
        }
        if (bad > 0) {
            missing.add(bad + " evaluated epoch(s) of metrics.csv hold NaN or infinite values, from epoch "
                    + (long) first + " (the run diverged): those points are left out of the figures");
        }
        if (metrics.rows().isEmpty()) {
            missing.add("metrics.csv has no rows yet");
        }
    }

    private static Table table(Path file, List<String> missing, String consequence) {
        try {
            Table t = Table.read(file);
            if (t.dropped() > 0) {
                missing.add(file.getFileName() + ": " + t.dropped() + " incomplete row(s) left out (file still being written?)");
            }
            return t;
        } catch (IOException e) {
            missing.add(absent(file, e) + ": " + consequence);
            return Table.empty();
        }
    }

    private static Map<String, Object> json(Path file, List<String> missing, String consequence) {
        try {
            return Json.mapper().readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            missing.add(absent(file, e) + ": " + consequence);
            return Map.of();
        }
    }

    /** "run.json is absent" or "run.json is unreadable (reason)". */
    static String absent(Path file, Exception e) {
        String name = file.getParent() != null && file.getParent().getFileName() != null
                && file.getParent().getFileName().toString().equals(RunDirectory.SPECTRA)
                ? RunDirectory.SPECTRA + "/" + file.getFileName() : String.valueOf(file.getFileName());
        if (!Files.exists(file)) {
            return name + " is absent";
        }
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = why.indexOf('\n');
        return name + " is unreadable (" + (nl >= 0 ? why.substring(0, nl) : why) + ")";
    }
}
