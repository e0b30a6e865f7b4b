package dev.grokscope.report;

import java.awt.Color;
import java.util.Locale;

/** Colours shared by the PNG/SVG figures and the HTML report, as CSS hex strings. */
final class Colors {
    /** A qualitative palette for unordered series (matrices, train/val). */
    private static final String[] CATEGORICAL = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    /** Anchors of a perceptually ordered dark-blue to yellow ramp for ordered series (index, weight decay). */
    private static final int[][] RAMP = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};

    static final String TRAIN = CATEGORICAL[0];
    static final String VAL = CATEGORICAL[1];
    static final String MARKER_TRAIN = "#1f77b4";
    static final String MARKER_VAL = "#d62728";
    static final String MEDIAN = "#222222";

    private Colors() {
    }

    static String categorical(int i) {
        return CATEGORICAL[Math.floorMod(i, CATEGORICAL.length)];
    }

    /** The i-th of n colours along the ordered ramp (the last one stops short of pale yellow). */
    static String ordered(int i, int n) {
        double t = n <= 1 ? 0 : 0.9 * i / (n - 1.0);
        return hex(ramp(t));
    }

    /** The ramp at t in [0, 1]. */
    static Color ramp(double t) {
        if (!(t >= 0)) {
            t = 0;
        }
        t = Math.min(1, t);
        double pos = t * (RAMP.length - 1);
        int k = Math.min(RAMP.length - 2, (int) pos);
        double f = pos - k;
        int[] a = RAMP[k];
        int[] b = RAMP[k + 1];
        return new Color((int) Math.round(a[0] + f * (b[0] - a[0])), (int) Math.round(a[1] + f * (b[1] - a[1])),
                (int) Math.round(a[2] + f * (b[2] - a[2])));
    }

    static String hex(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", c.getRed(), c.getGreen(), c.getBlue());
    }

    static Color awt(String hex) {
        return Color.decode(hex);
    }
}
