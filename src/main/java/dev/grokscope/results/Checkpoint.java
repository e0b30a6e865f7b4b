package dev.grokscope.results;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where a run directory keeps its checkpoints: {@code checkpoints/epoch-<N>.zip}, state files (see
 * {@code dev.grokscope.state.StateFile}) with the optimiser's state, for {@code --resume}. Only the
 * newest few are kept; the trajectory ({@code states/}) is never rotated.
 */
public final class Checkpoint {
    public static final String DIR = "checkpoints";

    private Checkpoint() {
    }

    /** The checkpoint file for an epoch in a run directory. */
    public static Path file(Path runDir, int epoch) {
        return runDir.resolve(DIR).resolve(String.format("epoch-%09d.zip", epoch));
    }

    /** Deletes all but the newest {@code keep} checkpoints. */
    public static void rotate(Path runDir, int keep) throws IOException {
        List<Path> all = list(runDir);
        for (int i = 0; i < all.size() - keep; i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** Checkpoints of a run, oldest first. */
    public static List<Path> list(Path runDir) throws IOException {
        Path dir = runDir.resolve(DIR);
        List<Path> all = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "epoch-*.zip")) {
                s.forEach(all::add);
            }
        }
        all.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return all;
    }
}
