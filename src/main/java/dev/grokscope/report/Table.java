package dev.grokscope.report;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A CSV file with a header, read leniently as rows of strings: a row whose length differs from the
 * header (e.g. the last line of a file still being written) is dropped and counted.
 */
public final class Table {
    private final List<String> header;
    private final List<Map<String, String>> rows;
    private final int dropped;

    private Table(List<String> header, List<Map<String, String>> rows, int dropped) {
        this.header = header;
        this.rows = rows;
        this.dropped = dropped;
    }

    public static Table empty() {
        return new Table(List.of(), List.of(), 0);
    }

    /** Reads {@code file}; throws IOException when it cannot be read or parsed at all. */
    public static Table read(Path file) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
                .setAllowMissingColumnNames(true).build();
        try (Reader in = Files.newBufferedReader(file); CSVParser p = CSVParser.parse(in, format)) {
            List<String> header = List.copyOf(p.getHeaderNames());
            List<Map<String, String>> rows = new ArrayList<>();
            int dropped = 0;
            for (CSVRecord r : p) {
                if (r.size() != header.size()) {
                    dropped++;
                    continue;
                }
                rows.add(r.toMap());
            }
            return new Table(header, Collections.unmodifiableList(rows), dropped);
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            throw new IOException(file + ": not a CSV file with a header: " + e.getMessage(), e);
        }
    }

    public List<String> header() {
        return header;
    }

    public List<Map<String, String>> rows() {
        return rows;
    }

    public boolean has(String column) {
        return header.contains(column);
    }

    /** Rows of a different length than the header, left out. */
    public int dropped() {
        return dropped;
    }

    /** The column as numbers: empty, missing or unparsable cells are NaN. */
    public double[] numbers(String column) {
        double[] v = new double[rows.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = number(rows.get(i).get(column));
        }
        return v;
    }

    public static double number(String cell) {
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
