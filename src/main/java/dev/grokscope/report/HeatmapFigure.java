package dev.grokscope.report;

import java.util.List;

/**
 * Values on a grid: {@code z[i][j]} at row {@code rows[i]} (e.g. a snapshot epoch) and column
 * {@code j + 1} (e.g. the index of a singular value). Non-finite cells are drawn blank.
 *
 * @param zLabel what the colour means, e.g. {@code log10(sigma)}
 */
public record HeatmapFigure(String id, String title, String rowLabel, String colLabel, String zLabel,
                            double[] rows, double[][] z, List<String> notes) implements Figure {
    public HeatmapFigure {
        if (rows.length != z.length) {
            throw new IllegalArgumentException(id + ": " + rows.length + " row labels for " + z.length + " rows");
        }
        notes = List.copyOf(notes);
    }

    public int cols() {
        return z.length == 0 ? 0 : z[0].length;
    }
}
