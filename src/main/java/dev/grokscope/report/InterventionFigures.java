package dev.grokscope.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Figures of the post-hoc interventions on saved states (grokscope lowrank, interpolate), written into
 * a run's {@code report/} directory beside the run's own figures.
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
