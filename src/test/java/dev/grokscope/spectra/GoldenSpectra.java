package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The shared golden set: shared/golden/spectra/{*.npy, golden.json}, generated with numpy float64 SVD
 * and WeightWatcher 0.7.5.5's WWFit (see shared/golden/README.md for the generator and tolerances).
 */
final class GoldenSpectra {
    /** Relative to the project directory, as Maven runs tests. */
    static final Path DIR = Paths.get("..", "shared", "golden", "spectra");

    private GoldenSpectra() {
    }

    /** golden.json, or a clear failure naming where it was looked for. */
    static JsonNode golden() {
        Path file = DIR.resolve("golden.json");
        if (!Files.isRegularFile(file)) {
            fail("golden set missing: expected " + file.toAbsolutePath().normalize()
                    + " (shared/golden/spectra beside the project directory)");
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            return fail("cannot parse " + file + ": " + e.getMessage());
        }
    }

    static Path matrix(String name) {
        Path file = DIR.resolve(name + ".npy");
        if (!Files.isRegularFile(file)) {
            fail("golden matrix missing: " + file.toAbsolutePath().normalize());
        }
        return file;
    }

    static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
