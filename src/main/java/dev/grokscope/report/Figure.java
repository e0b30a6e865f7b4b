package dev.grokscope.report;

import java.util.List;

/**
 * One figure of a report as data, before any drawing: {@link ChartImages} draws it with XChart (PNG, SVG)
 * and {@link HtmlReport} hands the same data to the browser. Tests check figures here, not in pixels.
 */
public sealed interface Figure permits XYFigure, HeatmapFigure {
    /** File-name stem, e.g. {@code accuracy} or {@code sv-heatmap-layers.0.W}. */
    String id();

    String title();

    /** Sentences shown under the figure (e.g. how epoch 0 is drawn on a log axis, what is missing). */
    List<String> notes();
}
