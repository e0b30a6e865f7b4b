package dev.grokscope.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lines or points against a shared x axis.
 *
 * @param xLog, yLog log-10 axes; every point drawn on one is positive (the builders make sure)
 * @param xTicks when not empty, the x axis is categorical: tick positions and their labels
 *     (e.g. weight decay 0, 0.1, 1 at positions 0, 1, 2)
 * @param markers vertical lines, e.g. the epoch the validation accuracy reached 99%
 */
public record XYFigure(String id, String title, String xLabel, String yLabel, boolean xLog, boolean yLog,
                       List<Series> series, List<Marker> markers, Map<Double, String> xTicks, List<String> notes)
        implements Figure {

    public XYFigure {
        series = List.copyOf(series);
        markers = List.copyOf(markers);
        xTicks = Map.copyOf(xTicks);
        notes = List.copyOf(notes);
    }

    /** How a series is drawn. */
    public enum Style { LINE, POINTS, LINE_POINTS, DASHED }

    /**
     * One named series; x and y of equal length, non-finite points already removed.
     *
     * @param color CSS hex colour {@code #rrggbb}
     */
    public record Series(String name, double[] x, double[] y, Style style, String color) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
            }
        }

        public int size() {
            return x.length;
        }
    }

    /** A vertical line at {@code x} labelled {@code label}. */
    public record Marker(String label, double x, String color) {
    }

    /** Total number of points over all series. */
    public int points() {
        return series.stream().mapToInt(Series::size).sum();
    }

    /** Builds an XYFigure; series with no drawable points are dropped and noted. */
    public static final class Builder {
        private final String id;
        private final String title;
        private String xLabel = "";
        private String yLabel = "";
        private boolean xLog;
        private boolean yLog;
        private final List<Series> series = new ArrayList<>();
        private final List<Marker> markers = new ArrayList<>();
        private Map<Double, String> xTicks = Map.of();
        private final List<String> notes = new ArrayList<>();
        private final List<String> empty = new ArrayList<>();

        public Builder(String id, String title) {
            this.id = id;
            this.title = title;
        }

        public Builder x(String label, boolean log) {
            xLabel = label;
            xLog = log;
            return this;
        }

        public Builder y(String label, boolean log) {
            yLabel = label;
            yLog = log;
            return this;
        }

        public Builder xTicks(Map<Double, String> ticks) {
            xTicks = ticks;
            return this;
        }

        /** Adds the finite points (positive on a log axis) of x, y. */
        public Builder series(String name, double[] x, double[] y, Style style, String color) {
            int n = Math.min(x.length, y.length);
            double[] fx = new double[n];
            double[] fy = new double[n];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (drawable(x[i], xLog) && drawable(y[i], yLog)) {
                    fx[k] = x[i];
                    fy[k] = y[i];
                    k++;
                }
            }
            if (k == 0) {
                empty.add(name);
            } else {
                series.add(new Series(name, java.util.Arrays.copyOf(fx, k), java.util.Arrays.copyOf(fy, k), style, color));
            }
            return this;
        }

        public Builder marker(String label, double x, String color) {
            if (drawable(x, xLog)) {
                markers.add(new Marker(label, x, color));
            }
            return this;
        }

        public Builder note(String sentence) {
            notes.add(sentence);
            return this;
        }

        public XYFigure build() {
            if (!empty.isEmpty()) {
                notes.add("No drawable values for " + String.join(", ", empty) + ".");
            }
            return new XYFigure(id, title, xLabel, yLabel, xLog, yLog, series, markers, xTicks, notes);
        }

        private static boolean drawable(double v, boolean log) {
            return Double.isFinite(v) && (!log || v > 0);
        }
    }
}
