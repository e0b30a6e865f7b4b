package dev.grokscope.warn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rows of spectra.csv (one per snapshot x matrix, as column -> cell text) regrouped into the snapshots a
 * recorder hands to {@link SpectralWarning#observe}: epoch -> matrix -> metric -> value. Used to replay
 * a recorded run (the offline evaluation) and to rebuild a detector's state when a run resumes.
 */
public final class SpectraRows {
    /** spectra.csv's epoch column. */
    public static final String EPOCH = "epoch";
    /** spectra.csv's matrix-name column. */
    public static final String MATRIX = "matrix";

    private SpectraRows() {
    }

    /**
     * Groups rows by epoch (ascending) and matrix (in row order), keeping the cells that parse as
     * numbers; rows without an integer epoch or a matrix name are left out.
     */
    public static TreeMap<Integer, Map<String, Map<String, Double>>> snapshots(List<? extends Map<String, String>> rows) {
        TreeMap<Integer, Map<String, Map<String, Double>>> s = new TreeMap<>();
        for (Map<String, String> row : rows) {
            double e = number(row.get(EPOCH));
            String matrix = row.get(MATRIX);
            if (e != Math.rint(e) || matrix == null || matrix.isEmpty()) {
                continue;
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            row.forEach((k, v) -> {
                double x = number(v);
                if (!Double.isNaN(x)) {
                    metrics.put(k, x);
                }
            });
            s.computeIfAbsent((int) e, k -> new LinkedHashMap<>()).put(matrix, metrics);
        }
        return s;
    }

    private static double number(String cell) {
        if (cell == null || cell.isBlank()) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
