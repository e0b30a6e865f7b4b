package dev.grokscope.warn;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recorded runs under src/test/resources/dev/grokscope/warn (cut from committed reference runs; see
 * the README there), read the way a recorder would hand them to a detector: one snapshot at a time.
 */
final class Fixtures {
    /** Nanda's transformer, (a + b) mod 113, wd 1, seed 0: epochs 0..1,600 of a run that groks at 6,850. */
    static final String GROKKING = "nanda-mod113-to-1600";
    /** Gromov's MLP, (a + b) mod 97, 25% data, wd 0, seed 0: all 160 epochs; never groks. */
    static final String NOT_GROKKING = "mlp-wd0-seed0";

    private Fixtures() {
    }

    static Path dir(String name) {
        try {
            return Path.of(Fixtures.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test fixture " + name + " missing", e);
        }
    }

    /** spectra.csv as epoch -> matrix -> metric -> value, in file order; non-numeric cells left out. */
    static TreeMap<Integer, Map<String, Map<String, Double>>> snapshots(String name) throws IOException {
        TreeMap<Integer, Map<String, Map<String, Double>>> s = new TreeMap<>();
        for (CSVRecord r : read(dir(name).resolve("spectra.csv"))) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            r.toMap().forEach((k, v) -> {
                try {
                    metrics.put(k, Double.parseDouble(v));
                } catch (NumberFormatException e) {
                    // matrix name, fit, warning: not numbers
                }
            });
            s.computeIfAbsent(Integer.parseInt(r.get("epoch")), e -> new LinkedHashMap<>()).put(r.get("matrix"), metrics);
        }
        return s;
    }

    static List<CSVRecord> read(Path csv) throws IOException {
        try (Reader in = Files.newBufferedReader(csv);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(in)) {
            return p.getRecords();
        }
    }
}
