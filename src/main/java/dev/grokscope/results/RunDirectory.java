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
 *   .lock                    the writer's lock (see {@link WriterLock}); empty when no one writes
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
    public static final String LOCK = ".lock";

    /**
     * Checks that a new run may be written at {@code dir}: it must not exist or be an empty directory,
     * and it must be possible to create it (tried, then undone). Leaves nothing behind.
     */
    public static RunDirectory planned(Path dir) {
        if (!Files.exists(dir)) {
            probeCreate(dir);
        } else {
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

    /**
     * Creates {@code dir} and the missing directories above it, then deletes what it created: the one
     * reliable test that a path can hold a run ({@code /proc/x}, a file in the way, a read-only mount).
     */
    private static void probeCreate(Path dir) {
        Path first = dir.toAbsolutePath().normalize();
        while (first.getParent() != null && !Files.exists(first.getParent())) {
            first = first.getParent();
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException | SecurityException e) {
            throw new BadInputException(dir + ": cannot create the output directory ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        try {
            for (Path p = dir.toAbsolutePath().normalize(); p != null && p.startsWith(first); p = p.getParent()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(dir + ": cannot remove the probe directory", e);
        }
    }

    /** What {@link #moveAside} puts between a directory's name and the time it was moved. */
    public static final String MOVED_ASIDE = ".replaced-";

    /** Whether {@code name} is that of a directory {@link #moveAside} moved aside (an earlier attempt, kept). */
    public static boolean isMovedAside(String name) {
        return name.contains(MOVED_ASIDE);
    }

    /**
     * Moves a run directory aside ({@code <dir>.replaced-<time>}) rather than deleting it, so that no result
     * is ever lost: for {@code run --force} and a sweep's restarted point. Returns where it went, or null
     * when there was nothing at {@code dir}.
     */
    public static Path moveAside(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return null;
        }
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path aside = dir.resolveSibling(dir.getFileName() + MOVED_ASIDE + stamp);
        for (int i = 2; Files.exists(aside); i++) {
            aside = dir.resolveSibling(dir.getFileName() + MOVED_ASIDE + stamp + "-" + i);
        }
        Files.move(dir, aside);
        return aside;
    }

    /** Takes this run's writer lock ({@code .lock} in the directory, which must exist). */
    public WriterLock lock() {
        return WriterLock.acquire(root.resolve(LOCK), "run " + root);
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
