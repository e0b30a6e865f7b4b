package dev.grokscope.state;

import dev.grokscope.BadInputException;
import dev.grokscope.results.Checkpoint;
import dev.grokscope.results.RunDirectory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The saved states of one run directory:
 * <pre>
 *   states/final.zip            the state the run ended in: every parameter, optimiser state, step, config
 *   states/epoch-&lt;N&gt;.zip       the trajectory (checkpoint.trajectoryEvery, checkpoint.epochs): weights only
 *   checkpoints/epoch-&lt;N&gt;.zip  the newest checkpoints (for --resume)
 * </pre>
 * Epochs are listed from file names (and the final state's {@code state.json}); when several files hold
 * one epoch, the final state wins over a checkpoint, a checkpoint over a trajectory state (they hold
 * the same weights; the first carry more).
 */
public final class RunStates {
    public static final String DIR = "states";
    public static final String FINAL = "final.zip";
    private static final Pattern EPOCH_FILE = Pattern.compile("epoch-(\\d+)\\.zip");

    private final Path root;
    private final NavigableMap<Integer, Path> byEpoch;
    private final Path finalState;
    private final int finalEpoch;

    private RunStates(Path root, NavigableMap<Integer, Path> byEpoch, Path finalState, int finalEpoch) {
        this.root = root;
        this.byEpoch = byEpoch;
        this.finalState = finalState;
        this.finalEpoch = finalEpoch;
    }

    /** The file of trajectory state {@code epoch} in a run directory. */
    public static Path trajectoryFile(Path runDir, int epoch) {
        return runDir.resolve(DIR).resolve(String.format("epoch-%09d.zip", epoch));
    }

    /** The run's final state file. */
    public static Path finalFile(Path runDir) {
        return runDir.resolve(DIR).resolve(FINAL);
    }

    /**
     * Lists the states of a run directory.
     *
     * @throws BadInputException when {@code dir} is not a run directory (no config.yaml)
     */
    public static RunStates open(Path dir) {
        if (!Files.isDirectory(dir) || !Files.isRegularFile(dir.resolve(RunDirectory.CONFIG))) {
            throw new BadInputException(dir + ": not a run directory (no " + RunDirectory.CONFIG + ")");
        }
        NavigableMap<Integer, Path> epochs = new TreeMap<>();
        try {
            for (Path p : list(dir.resolve(DIR))) {
                epochs.put(epochOfName(p), p);
            }
            for (Path p : Checkpoint.list(dir)) {
                epochs.put(epochOfName(p), p);
            }
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot list states: " + e.getMessage());
        }
        Path fin = finalFile(dir);
        int finalEpoch = -1;
        if (Files.isRegularFile(fin)) {
            finalEpoch = StateFile.epochOf(fin);
            epochs.put(finalEpoch, fin);
        }
        return new RunStates(dir, epochs, Files.isRegularFile(fin) ? fin : null, finalEpoch);
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "epoch-*.zip")) {
                s.forEach(out::add);
            }
        }
        return out;
    }

    private static int epochOfName(Path p) {
        Matcher m = EPOCH_FILE.matcher(p.getFileName().toString());
        if (!m.matches()) {
            throw new BadInputException(p + ": not a state file name (epoch-<N>.zip)");
        }
        return Integer.parseInt(m.group(1));
    }

    public Path root() {
        return root;
    }

    /** Every epoch with a saved state, ascending, and the file that holds it. */
    public NavigableMap<Integer, Path> epochs() {
        return java.util.Collections.unmodifiableNavigableMap(byEpoch);
    }

    /**
     * The run's final state file.
     *
     * @throws BadInputException when the run has none (unfinished, or written before states existed)
     */
    public Path finalState() {
        if (finalState == null) {
            throw new BadInputException(root + ": no final state (" + DIR + "/" + FINAL
                    + "): the run is unfinished or older than saved states; saved epochs: " + describe(byEpoch.keySet()));
        }
        return finalState;
    }

    /** The epoch of the final state, or -1 when there is none. */
    public int finalEpoch() {
        return finalEpoch;
    }

    /**
     * The state file at an epoch.
     *
     * @throws BadInputException naming the nearest saved epochs when there is none at {@code epoch}
     */
    public Path at(int epoch) {
        Path p = byEpoch.get(epoch);
        if (p == null) {
            Integer below = byEpoch.lowerKey(epoch);
            Integer above = byEpoch.higherKey(epoch);
            String near = byEpoch.isEmpty() ? "the run has no saved states"
                    : "nearest saved epochs: " + (below == null ? "" : below) + (below != null && above != null ? ", " : "")
                    + (above == null ? "" : above);
            throw new BadInputException(root + "@" + epoch + ": no state saved at epoch " + epoch + "; " + near);
        }
        return p;
    }

    /** The newest saved state (the final one when the run finished). */
    public Path last() {
        if (byEpoch.isEmpty()) {
            throw new BadInputException(root + "@last: the run has no saved states");
        }
        return byEpoch.lastEntry().getValue();
    }

    /**
     * The states with {@code from <= epoch <= to}.
     *
     * @throws BadInputException when the window holds none
     */
    public NavigableMap<Integer, Path> window(int from, int to) {
        NavigableMap<Integer, Path> w = byEpoch.subMap(from, true, to, true);
        if (w.isEmpty()) {
            throw new BadInputException(root + "@" + from + ".." + to + ": no states saved in that window; saved epochs: "
                    + describe(byEpoch.keySet()));
        }
        return w;
    }

    /**
     * Reads a state of this run; a format-1 checkpoint takes the run's config.yaml.
     */
    public State read(Path file) {
        State s = StateFile.read(file);
        if (s.config() == null) {
            try {
                s = s.withConfig(Files.readString(root.resolve(RunDirectory.CONFIG), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new BadInputException(root.resolve(RunDirectory.CONFIG) + ": cannot read: " + e.getMessage());
            }
        }
        return s;
    }

    private static String describe(java.util.Set<Integer> epochs) {
        if (epochs.isEmpty()) {
            return "none";
        }
        List<Integer> l = new ArrayList<>(epochs);
        if (l.size() <= 8) {
            return l.toString();
        }
        return "[" + l.get(0) + ", " + l.get(1) + ", ..., " + l.get(l.size() - 1) + "] (" + l.size() + ")";
    }

    /** Whether a directory holds states (for listing): its map is non-empty. */
    public boolean isEmpty() {
        return byEpoch.isEmpty();
    }
}
