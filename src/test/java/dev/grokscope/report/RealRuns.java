package dev.grokscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.cli.Main;
import dev.grokscope.results.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Real run directories made once per test JVM by {@code grokscope run} on a small task (p = 23, width
 * 32..64, tens of epochs: seconds each), and a sweep directory assembled from several of them by the
 * sweep contract (plan.csv, runs/&lt;id&gt;/, summary.csv, sweep.yaml). Tests copy them before changing them.
 */
final class RealRuns {
    static final double[] WEIGHT_DECAYS = {0, 1, 5};
    static final int[] SEEDS = {0, 1};
    static final int RUN_EPOCHS = 40;
    static final int SWEEP_EPOCHS = 25;
    private static Path root;
    private static Path run;
    private static Path sweep;

    private RealRuns() {
    }

    private static synchronized Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("grokscope-report-test");
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(r)));
        }
        return root;
    }

    /** One completed run: p = 23, width 64, 40 epochs, lr 0.05 (learns the training set within the run). */
    static synchronized Path run() throws IOException {
        if (run == null) {
            run = train(root().resolve("run"), RUN_EPOCHS, 64, 5.0, 0);
        }
        return run;
    }

    /** A sweep over weight decay {0, 1, 5} x seed {0, 1} of 25-epoch runs, laid out as the sweep contract says. */
    static synchronized Path sweep() throws IOException {
        if (sweep == null) {
            Path dir = root().resolve("sweep");
            List<String> plan = new ArrayList<>(List.of("id,optimizer.weightDecay,seed"));
            List<String> summary = new ArrayList<>(List.of("id,optimizer.weightDecay,seed,status,epoch_train_99,"
                    + "epoch_val_99,final_train_accuracy,final_val_accuracy,final_train_loss,final_val_loss,"
                    + "final_mean_effective_rank,wall_time_s"));
            for (double wd : WEIGHT_DECAYS) {
                for (int seed : SEEDS) {
                    String wdText = number(wd);
                    String id = "wd=" + wdText + ",seed=" + seed;
                    Path r = train(dir.resolve("runs").resolve(id), SWEEP_EPOCHS, 32, wd, seed);
                    plan.add("\"" + id + "\"," + wdText + "," + seed);
                    summary.add("\"" + id + "\"," + wdText + "," + seed + "," + summaryRow(r));
                }
            }
            Files.write(dir.resolve("plan.csv"), plan);
            Files.write(dir.resolve("summary.csv"), summary);
            Files.writeString(dir.resolve("sweep.yaml"), "base: configs/quickstart.yaml\naxes:\n"
                    + "  optimizer.weightDecay: [0, 1, 5]\n  seed: [0, 1]\n");
            sweep = dir;
        }
        return sweep;
    }

    /** Copies a directory tree (without report/) so a test may damage the copy. */
    static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path rel = from.relativize(p);
                if (rel.startsWith(Reports.DIR) || rel.toString().contains("/" + Reports.DIR + "/")) {
                    continue;
                }
                Path t = to.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        return to;
    }

    private static Path train(Path out, int epochs, int width, double wd, int seed) {
        int code = Main.execute("run", "configs/quickstart.yaml", "--set", "data.p=23", "--set", "model.width=" + width,
                "--set", "training.epochs=" + epochs, "--set", "optimizer.lr=0.05",
                "--set", "optimizer.weightDecay=" + wd, "--set", "seed=" + seed,
                "--set", "output.progress=none", "--out", out.toString());
        assertEquals(0, code, "grokscope run for the test fixture " + out);
        return out;
    }

    private static String summaryRow(Path run) throws IOException {
        JsonNode s = Json.mapper().readTree(run.resolve("summary.json").toFile());
        JsonNode fin = s.get("final");
        double rank = RunData.read(run).spectra().rows().stream()
                .filter(r -> Table.number(r.get("epoch")) == fin.get("epoch").asDouble())
                .mapToDouble(r -> Table.number(r.get("effective_rank_normalized"))).average().orElse(Double.NaN);
        return String.join(",", s.get("status").asText(), text(s.get("epoch_train_99")), text(s.get("epoch_val_99")),
                fin.get("train_accuracy").asText(), fin.get("val_accuracy").asText(), fin.get("train_loss").asText(),
                fin.get("val_loss").asText(), Double.toString(rank), s.get("wall_time_s").asText());
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? "" : n.asText();
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }


    private static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort at JVM exit
        }
    }
}
