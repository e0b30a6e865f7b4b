package dev.grokscope.report;

import dev.grokscope.report.XYFigure.Style;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one run, built from {@link RunData} alone.
 *
 * <p>Epochs are drawn on a log axis as {@code epoch + 1}, so epoch 0 (the untrained network) sits at 1
 * instead of being dropped. Grokking epochs (first evaluated epoch with accuracy >= 99%) are vertical
 * lines; they come from summary.json, or from metrics.csv while the run is going.
 */
public final class RunFigures {
    /** Singular values drawn as lines over time, per matrix: the largest K. */
    static final int TOP_K = 8;
    /** Heatmaps keep at most this many snapshots (evenly spaced, first and last kept). */
    static final int HEATMAP_MAX_ROWS = 200;
    static final String EPOCH_AXIS = "epoch + 1 (log scale)";
    static final String EPOCH_NOTE = "Epochs are drawn as epoch + 1 on the log axis so that epoch 0 is shown (at 1).";
    private static final double THRESHOLD = 0.99;

    private RunFigures() {
    }

    public static List<Figure> of(RunData run) {
        List<Figure> figures = new ArrayList<>();
        double[] epoch1 = plusOne(run.metrics().numbers("epoch"));
        double train99 = grokEpoch(run, "epoch_train_99", "train_accuracy");
        double val99 = grokEpoch(run, "epoch_val_99", "val_accuracy");

        XYFigure.Builder acc = new XYFigure.Builder("accuracy", "Accuracy").x(EPOCH_AXIS, true).y("accuracy", false)
                .series("train accuracy", epoch1, run.metrics().numbers("train_accuracy"), Style.LINE, Colors.TRAIN)
                .series("val accuracy", epoch1, run.metrics().numbers("val_accuracy"), Style.LINE, Colors.VAL);
        grokMarkers(acc, train99, val99).note(EPOCH_NOTE);
        figures.add(acc.build());

        XYFigure.Builder loss = new XYFigure.Builder("loss", "Loss").x(EPOCH_AXIS, true).y("loss (log scale)", true)
                .series("train loss", epoch1, run.metrics().numbers("train_loss"), Style.LINE, Colors.TRAIN)
                .series("val loss", epoch1, run.metrics().numbers("val_loss"), Style.LINE, Colors.VAL);
        figures.add(grokMarkers(loss, train99, val99).note(EPOCH_NOTE).build());

        figures.add(grokMarkers(new XYFigure.Builder("weight-norm", "Weight norm").x(EPOCH_AXIS, true)
                .y("||W|| (all weights, Frobenius)", false)
                .series("weight norm", epoch1, run.metrics().numbers("weight_norm"), Style.LINE, Colors.TRAIN),
                train99, val99).note(EPOCH_NOTE).build());

        if (run.metrics().has("rss_mb") && java.util.Arrays.stream(run.metrics().numbers("rss_mb")).anyMatch(Double::isFinite)) {
            // resident memory of the training process (older runs and other systems have no such column)
            // a linear epoch axis: growth over a long run is what this figure is for
            figures.add(new XYFigure.Builder("memory", "Resident memory").x("epoch", false)
                    .y("resident set size (MB)", false)
                    .series("RSS", run.metrics().numbers("epoch"), run.metrics().numbers("rss_mb"), Style.LINE,
                            Colors.TRAIN)
                    .note("The process's resident memory (Java heap, ND4J's native buffers, BLAS) when each row of "
                            + "metrics.csv was written; a resumed run starts a new process.")
                    .build());
        }

        List<String> matrices = run.matrices();
        figures.add(perMatrix(run, matrices, "effective-rank", "Normalised effective rank",
                "effective_rank_normalized", "effective rank / min(rows, cols)", false, train99, val99));
        figures.add(perMatrix(run, matrices, "stable-rank", "Stable rank", "stable_rank",
                "stable rank ||W||_F^2 / ||W||_2^2", false, train99, val99));
        XYFigure.Builder alpha = perMatrixBuilder(run, matrices, "alpha", "Power-law exponent alpha of the ESD",
                "alpha", "alpha", false, train99, val99);
        int undefined = 0;
        for (String m : matrices) {
            for (double a : run.spectraSeries(m, "alpha")[1]) {
                undefined += Double.isFinite(a) ? 0 : 1;
            }
        }
        if (undefined > 0) {
            alpha.note(undefined + " snapshot(s) have no alpha (power-law fit undefined, see the fit column of spectra.csv).");
        }
        figures.add(alpha.build());

        for (String m : matrices) {
            double[][] sv = run.singularValues().get(m);
            if (sv == null || run.spectrumEpochs() == null) {
                continue;
            }
            figures.add(topSingularValues(m, run.spectrumEpochs(), sv, train99, val99));
            figures.add(heatmap(m, run.spectrumEpochs(), sv));
        }
        return figures;
    }

    private static XYFigure perMatrix(RunData run, List<String> matrices, String id, String title, String column,
                                      String yLabel, boolean yLog, double train99, double val99) {
        return perMatrixBuilder(run, matrices, id, title, column, yLabel, yLog, train99, val99).build();
    }

    private static XYFigure.Builder perMatrixBuilder(RunData run, List<String> matrices, String id, String title,
                                                     String column, String yLabel, boolean yLog, double train99,
                                                     double val99) {
        XYFigure.Builder b = new XYFigure.Builder(id, title).x(EPOCH_AXIS, true).y(yLabel, yLog);
        for (int i = 0; i < matrices.size(); i++) {
            double[][] xy = run.spectraSeries(matrices.get(i), column);
            b.series(matrices.get(i), plusOne(xy[0]), xy[1], Style.LINE, Colors.categorical(i));
        }
        if (matrices.isEmpty()) {
            b.note("No matrices in spectra.csv.");
        }
        return grokMarkers(b, train99, val99).note(EPOCH_NOTE);
    }

    static XYFigure topSingularValues(String matrix, double[] epochs, double[][] sv, double train99, double val99) {
        int k = Math.min(TOP_K, sv.length == 0 ? 0 : sv[0].length);
        XYFigure.Builder b = new XYFigure.Builder("sv-top-" + matrix, "Largest singular values of " + matrix)
                .x(EPOCH_AXIS, true).y("singular value (log scale)", true);
        double[] x = plusOne(epochs);
        for (int i = 0; i < k; i++) {
            double[] y = new double[sv.length];
            for (int s = 0; s < sv.length; s++) {
                y[s] = sv[s][i];
            }
            b.series("sigma_" + (i + 1), x, y, Style.LINE, Colors.ordered(i, k));
        }
        int total = sv.length == 0 ? 0 : sv[0].length;
        return grokMarkers(b, train99, val99).note(EPOCH_NOTE)
                .note(String.format(Locale.ROOT, "The %d largest of %d singular values; the heatmap shows all.", k, total))
                .build();
    }

    static HeatmapFigure heatmap(String matrix, double[] epochs, double[][] sv) {
        int[] keep = evenlySpaced(epochs.length, HEATMAP_MAX_ROWS);
        double[] rows = new double[keep.length];
        double[][] z = new double[keep.length][];
        for (int r = 0; r < keep.length; r++) {
            rows[r] = epochs[keep[r]];
            double[] s = sv[keep[r]];
            z[r] = new double[s.length];
            for (int j = 0; j < s.length; j++) {
                z[r][j] = s[j] > 0 ? Math.log10(s[j]) : Double.NaN;
            }
        }
        List<String> notes = new ArrayList<>();
        notes.add("Colour: log10 of each singular value; rows are snapshot epochs, columns the index i of sigma_i (descending).");
        if (keep.length < epochs.length) {
            notes.add(keep.length + " of " + epochs.length + " snapshots shown, evenly spaced.");
        }
        return new HeatmapFigure("sv-heatmap-" + matrix, "Singular values of " + matrix + " over training",
                "epoch", "index i of sigma_i", "log10(sigma)", rows, z, notes);
    }

    /** The first evaluated epoch with accuracy >= 99% from summary.json, else from metrics.csv, else NaN. */
    static double grokEpoch(RunData run, String summaryKey, String metricsColumn) {
        if (run.summary() != null) {
            return run.summaryNumber(summaryKey);
        }
        double[] e = run.metrics().numbers("epoch");
        double[] a = run.metrics().numbers(metricsColumn);
        for (int i = 0; i < e.length; i++) {
            if (a[i] >= THRESHOLD) {
                return e[i];
            }
        }
        return Double.NaN;
    }

    private static XYFigure.Builder grokMarkers(XYFigure.Builder b, double train99, double val99) {
        if (Double.isFinite(train99)) {
            b.marker("train acc >= 99% (epoch " + (long) train99 + ")", train99 + 1, Colors.MARKER_TRAIN);
        }
        if (Double.isFinite(val99)) {
            b.marker("val acc >= 99% (epoch " + (long) val99 + ")", val99 + 1, Colors.MARKER_VAL);
        }
        return b;
    }

    static double[] plusOne(double[] epochs) {
        double[] x = new double[epochs.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = epochs[i] + 1;
        }
        return x;
    }

    /** At most {@code max} indices of 0..n-1, evenly spaced, including the first and the last. */
    static int[] evenlySpaced(int n, int max) {
        if (n <= max) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] idx = new int[max];
        for (int i = 0; i < max; i++) {
            idx[i] = (int) Math.round(i * (n - 1.0) / (max - 1.0));
        }
        return idx;
    }
}
