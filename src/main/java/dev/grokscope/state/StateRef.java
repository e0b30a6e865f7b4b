package dev.grokscope.state;

import dev.grokscope.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A state named on the command line:
 * <ul>
 *   <li>{@code RUN_DIR}: the run's final state ({@code states/final.zip});</li>
 *   <li>{@code RUN_DIR@EPOCH}: the state saved at that epoch (trajectory, checkpoint or final);</li>
 *   <li>{@code RUN_DIR@last}: the newest saved state;</li>
 *   <li>{@code RUN_DIR@E1..E2}: every state saved from E1 to E2 inclusive (a window, where a command
 *       takes several states);</li>
 *   <li>a state file (any {@code .zip} written by grokscope: a checkpoint, trajectory state or edit).</li>
 * </ul>
 *
 * @param label how the state is named in output: the reference as given, with the epoch resolved
 * @param file the state file
 * @param run the run the state belongs to, or null for a state file named on its own
 * @param epoch the epoch from the file name or state.json
 */
public record StateRef(String label, Path file, RunStates run, int epoch) {
    private static final Pattern SUFFIX = Pattern.compile("(.*)@(last|\\d+|\\d+\\.\\.\\d+)");

    /** Reads the state (a format-1 checkpoint takes its run's config). */
    public State read() {
        return run == null ? StateFile.read(file) : run.read(file);
    }

    /**
     * Resolves one reference that must name exactly one state.
     *
     * @throws BadInputException when it names none (missing epoch: the nearest are named) or a window
     */
    public static StateRef one(String ref) {
        List<StateRef> all = parse(ref);
        if (all.size() != 1) {
            throw new BadInputException(ref + ": names " + all.size() + " states; this command takes one state here");
        }
        return all.get(0);
    }

    /**
     * Resolves a reference to its states, in epoch order.
     *
     * @throws BadInputException when the path does not exist, is neither a run directory nor a state file,
     *     or names epochs without saved states
     */
    public static List<StateRef> parse(String ref) {
        Path whole = Path.of(ref);
        if (Files.isRegularFile(whole)) {
            return List.of(new StateRef(ref, whole, null, StateFile.epochOf(whole))); // refuses non-states, truncation
        }
        if (Files.isDirectory(whole)) {
            RunStates run = RunStates.open(whole);
            Path f = run.finalState();
            return List.of(new StateRef(ref, f, run, run.finalEpoch()));
        }
        Matcher m = SUFFIX.matcher(ref);
        if (!m.matches()) {
            throw new BadInputException(ref + ": no such file or run directory");
        }
        Path dir = Path.of(m.group(1));
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(m.group(1) + ": no such run directory");
        }
        RunStates run = RunStates.open(dir);
        String sel = m.group(2);
        if (sel.equals("last")) {
            Path f = run.last();
            int e = run.epochs().lastKey();
            return List.of(new StateRef(m.group(1) + "@" + e, f, run, e));
        }
        if (sel.contains("..")) {
            String[] ab = sel.split("\\.\\.");
            int from = parseEpoch(ref, ab[0]);
            int to = parseEpoch(ref, ab[1]);
            if (from > to) {
                throw new BadInputException(ref + ": window must run from the lower epoch to the higher, got " + from + ".." + to);
            }
            List<StateRef> out = new ArrayList<>();
            for (Map.Entry<Integer, Path> e : run.window(from, to).entrySet()) {
                out.add(new StateRef(m.group(1) + "@" + e.getKey(), e.getValue(), run, e.getKey()));
            }
            return out;
        }
        int epoch = parseEpoch(ref, sel);
        return List.of(new StateRef(ref, run.at(epoch), run, epoch));
    }

    private static int parseEpoch(String ref, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new BadInputException(ref + ": epoch must be a whole number below 2^31, got " + s);
        }
    }
}
