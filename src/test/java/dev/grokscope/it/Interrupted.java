package dev.grokscope.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds, from a completed run, the run directory an interruption right after a checkpoint leaves:
 * config.yaml, the mask, run.json marked interrupted, the checkpoint, and metrics.csv rows and
 * trajectory states up to its epoch (spectra are rebuilt by the resume's own reopen rules, which keep
 * rows up to the checkpoint). Deterministic, unlike a kill at a random moment.
 */
final class Interrupted {
    private Interrupted() {
    }

    /**
     * @param epoch the checkpoint to keep, or -1 for none (the run then restarts from its start or its parent)
     */
    static Path copy(Path run, Path to, int epoch) throws IOException {
        Files.createDirectories(to);
        Files.copy(run.resolve("config.yaml"), to.resolve("config.yaml"));
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(run.resolve("run.json").toFile());
        json.put("status", "interrupted");
        Files.writeString(to.resolve("run.json"), json.toPrettyString());
        if (Files.isDirectory(run.resolve("mask"))) {
            copyTree(run.resolve("mask"), to.resolve("mask"));
        }
        Files.createDirectories(to.resolve("spectra")); // as RunDirectory.create leaves it
        if (epoch < 0) {
            return to;
        }
        String ck = String.format("epoch-%09d.zip", epoch);
        Files.createDirectories(to.resolve("checkpoints"));
        Files.copy(run.resolve("checkpoints").resolve(ck), to.resolve("checkpoints").resolve(ck));
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.csv"))) {
            if (rows.isEmpty() || Integer.parseInt(line.substring(0, line.indexOf(','))) <= epoch) {
                rows.add(line);
            }
        }
        Files.write(to.resolve("metrics.csv"), rows);
        Files.delete(to.resolve("spectra"));
        copyTree(run.resolve("spectra"), to.resolve("spectra")); // reopened: rows after the checkpoint are dropped
        Files.copy(run.resolve("spectra.csv"), to.resolve("spectra.csv"));
        return to;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
