package dev.grokscope.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A result table of a post-hoc command, printed as CSV (numbers in Java's shortest round-trip form, as
 * metrics.csv) or as JSON ({@code {"columns": [...], "rows": [{...}], ...extra}}).
 */
final class Tables {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A table: columns in order, and rows keyed by column. */
    record Table(List<String> columns, List<Map<String, Object>> rows) {
        Table(List<String> columns) {
            this(List.copyOf(columns), new ArrayList<>());
        }

        void add(Object... values) {
            if (values.length != columns.size()) {
                throw new IllegalArgumentException(values.length + " values for columns " + columns);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            for (int i = 0; i < values.length; i++) {
                r.put(columns.get(i), values[i]);
            }
            rows.add(r);
        }

        String csv() {
            StringWriter w = new StringWriter();
            try (CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build())) {
                p.printRecord(columns);
                for (Map<String, Object> r : rows) {
                    List<Object> vals = new ArrayList<>();
                    columns.forEach(c -> vals.add(r.get(c)));
                    p.printRecord(vals);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return w.toString();
        }

        /** JSON of the table plus extra top-level fields (summary numbers, settings). */
        String json(Map<String, Object> extra) {
            Map<String, Object> m = new LinkedHashMap<>(extra);
            m.put("columns", columns);
            m.put("rows", rows);
            return Tables.json(m);
        }
    }

    private Tables() {
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
