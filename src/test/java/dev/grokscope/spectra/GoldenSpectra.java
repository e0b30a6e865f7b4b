package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The golden set in the project's test resources: golden/spectra/{*.npy, golden.json}, computed with numpy
 * float64 SVD and WeightWatcher 0.7.5.5's WWFit (src/test/resources/golden/README.md says how, and the
 * tolerances).
 */
public final class GoldenSpectra {
    /** Relative to the project directory, as Maven runs tests. */
    public static final Path DIR = Paths.get("src", "test", "resources", "golden", "spectra");

    private GoldenSpectra() {
    }

    /** golden.json, or a clear failure naming where it was looked for. */
    static JsonNode golden() {
        Path file = DIR.resolve("golden.json");
        if (!Files.isRegularFile(file)) {
            fail("golden set missing: expected " + file.toAbsolutePath().normalize()
                    + " (src/test/resources/golden/spectra in the project)");
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
