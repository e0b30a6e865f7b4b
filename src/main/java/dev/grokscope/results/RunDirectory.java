package dev.grokscope.results;

import dev.grokscope.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The layout of a run directory, in one place:
 * <pre>
 *   config.yaml              the resolved config (defaults + file + --set)
 *   run.json                 provenance and status
 *   metrics.csv              one row per evaluated epoch
 *   spectra.csv              one row per snapshot x matrix
 *   spectra/epochs.npy       the snapshot epochs (float64, length S)
 *   spectra/&lt;matrix&gt;.npy    singular values, S x k, float64, descending per row
 *   weights/final/&lt;m&gt;.npy    every weight matrix at the end, float64
 *   summary.json             grokking epochs and final metrics
 * </pre>
 */
public record RunDirectory(Path root) {
    public static final String CONFIG = "config.yaml";
    public static final String RUN = "run.json";
    public static final String METRICS = "metrics.csv";
    public static final String SPECTRA_CSV = "spectra.csv";
    public static final String SPECTRA = "spectra";
    public static final String EPOCHS = "epochs.npy";
    public static final String SUMMARY = "summary.json";

    /**
     * Checks that a new run may be written at {@code dir}: it must not exist or be an empty
     * directory. Creates nothing.
     */
    public static RunDirectory planned(Path dir) {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new BadInputException(dir + ": exists and is not a directory");
            }
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new BadInputException(dir + ": output directory exists and is not empty; "
                            + "choose another --out or output.name");
                }
            } catch (IOException e) {
                throw new BadInputException(dir + ": cannot read: " + e.getMessage());
            }
        }
        return new RunDirectory(dir);
    }

    /** Creates the directory and its subdirectories. */
    public RunDirectory create() throws IOException {
        Files.createDirectories(root.resolve(SPECTRA));
        Files.createDirectories(finalWeights());
        return this;
    }

    public Path config() {
        return root.resolve(CONFIG);
    }

    public Path runJson() {
        return root.resolve(RUN);
    }

    public Path metrics() {
        return root.resolve(METRICS);
    }

    public Path spectraCsv() {
        return root.resolve(SPECTRA_CSV);
    }

    public Path spectra() {
        return root.resolve(SPECTRA);
    }

    /** {@code spectra/<matrix>.npy}. */
    public Path spectrum(String matrix) {
        return spectra().resolve(matrix + ".npy");
    }

    public Path finalWeights() {
        return root.resolve("weights").resolve("final");
    }

    public Path summary() {
        return root.resolve(SUMMARY);
    }
}
