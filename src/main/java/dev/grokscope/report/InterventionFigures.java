package dev.grokscope.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Figures of the post-hoc interventions on saved states (grokscope lowrank, interpolate), written into
 * a run's {@code report/} directory beside the run's own figures; a run's {@code lowrank.csv} also
 * joins its report.html ({@link #ofRun}).
 */
public final class InterventionFigures {
    private static final String[] COLORS = {"#1f77b4", "#2ca02c", "#d62728", "#9467bd"};

    /** One curve: a label and its y values over the shared x values. */
    public record Curve(String label, double[] y) {
    }

    private InterventionFigures() {
    }

    /**
     * Two curves per variant (validation solid, training dashed) of one quantity against x, e.g. accuracy
     * of the dense, top and bottom models against the state's epoch.
     */
    public static XYFigure figure(String id, String title, String xLabel, String yLabel, double[] x,
                                  List<Curve> val, List<Curve> train, String note) {
        XYFigure.Builder b = new XYFigure.Builder(id, title).x(xLabel, false).y(yLabel, false);
        for (int i = 0; i < val.size(); i++) {
            String c = COLORS[i % COLORS.length];
            b.series(val.get(i).label() + " (val)", x, val.get(i).y(), XYFigure.Style.LINE, c);
            b.series(train.get(i).label() + " (train)", x, train.get(i).y(), XYFigure.Style.DASHED, c);
        }
        if (note != null) {
            b.note(note);
        }
        return b.build();
    }

    /** The file grokscope lowrank writes into a run directory. */
    public static final String LOWRANK_CSV = "lowrank.csv";

    /**
     * The low-rank pruning figures of a run (accuracy and loss against epoch, dense / top / bottom, from
     * its {@code lowrank.csv}), or none when it has no such file.
     */
    public static List<XYFigure> ofRun(Path runDir) throws IOException {
        Path csv = runDir.resolve(LOWRANK_CSV);
        if (!Files.isRegularFile(csv)) {
            return List.of();
        }
        List<org.apache.commons.csv.CSVRecord> rows = dev.grokscope.results.CsvLog.read(csv);
        java.util.Map<String, List<org.apache.commons.csv.CSVRecord>> byVariant = new java.util.LinkedHashMap<>();
        rows.forEach(r -> byVariant.computeIfAbsent(r.get("variant"), v -> new ArrayList<>()).add(r));
        double[] x = byVariant.getOrDefault("dense", List.of()).stream()
                .mapToDouble(r -> Double.parseDouble(r.get("epoch"))).toArray();
        List<XYFigure> figs = new ArrayList<>();
        for (String q : List.of("accuracy", "loss")) {
            List<Curve> val = new ArrayList<>();
            List<Curve> train = new ArrayList<>();
            byVariant.forEach((v, rs) -> {
                if (rs.size() == x.length) {
                    val.add(new Curve(v, rs.stream().mapToDouble(r -> Double.parseDouble(r.get("val_" + q))).toArray()));
                    train.add(new Curve(v, rs.stream().mapToDouble(r -> Double.parseDouble(r.get("train_" + q))).toArray()));
                }
            });
            figs.add(figure("lowrank_" + q, "Low-rank pruning: " + q, "epoch", q, x, val, train,
                    "dense, top and bottom singular components of every weight matrix but the output layer (lowrank.json)"));
        }
        return figs;
    }

    /** Writes figures as PNG and SVG into {@code dir} (created if needed); returns the files. */
    public static List<Path> write(Path dir, List<XYFigure> figures) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (XYFigure f : figures) {
            out.addAll(ChartImages.write(f, dir));
        }
        return out;
    }
}
