package dev.grokscope.warn;

import dev.grokscope.report.Table;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The recorded runs under src/test/resources/dev/grokscope/warn (cut from committed reference runs; see
 * the README there), read the way a recorder hands them to a detector: one snapshot at a time.
 */
final class Fixtures {
    /** Nanda's transformer, (a + b) mod 113, wd 1, seed 0: epochs 0..1,600 of a run that groks at 6,850. */
    static final String GROKKING = "nanda-mod113-to-1600";
    /** Gromov's MLP, (a + b) mod 97, 25% data, wd 0, seed 0: all 160 epochs; never groks. */
    static final String NOT_GROKKING = "mlp-wd0-seed0";
    private static final Path DIR = Path.of("src/test/resources/dev/grokscope/warn");

    private Fixtures() {
    }

    /** spectra.csv as epoch -> matrix -> metric -> value, epochs ascending. */
    static TreeMap<Integer, Map<String, Map<String, Double>>> snapshots(String name) throws IOException {
        return SpectraRows.snapshots(Table.read(DIR.resolve(name).resolve("spectra.csv")).rows());
    }
}
