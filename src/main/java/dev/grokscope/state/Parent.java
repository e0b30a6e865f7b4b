package dev.grokscope.state;

import dev.grokscope.BadInputException;
import dev.grokscope.config.Experiment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The saved state a branch starts from ({@code grokscope run CONFIG --from STATE}): its reference, file,
 * epoch and the SHA-256 of the file, recorded in the branch's run.json under {@link #KEY} so that the
 * branch says exactly where it came from and a resumed branch without checkpoints restarts from the
 * same bytes.
 *
 * <p>A branch continues training, so its parent must carry the optimiser state and step count: a
 * checkpoint, a final state, or a trajectory state saved with {@code checkpoint.trajectoryOptimizer}.
 *
 * @param label the reference as resolved (e.g. {@code runs/trunk@10})
 * @param file the state file
 * @param run the parent run's directory, or null for a state file named on its own
 * @param epoch the parent state's epoch: the branch's first epoch
 * @param sha256 hex SHA-256 of {@code file}
 * @param state the state itself
 */
public record Parent(String label, Path file, Path run, int epoch, String sha256, State state) {
    /** The run.json key of a branch's parent. */
    public static final String KEY = "parent";

    /**
     * Resolves and reads a parent state.
     *
     * @throws BadInputException when the reference names no state, a corrupt one, or one without optimiser state
     */
    public static Parent of(String ref) {
        StateRef r = StateRef.one(ref);
        State s = r.read();
        if (!s.hasOptimizer()) {
            throw new BadInputException("--from " + r.label() + ": a weights-only state (no optimiser state); a branch "
                    + "continues training, so branch from a checkpoint, a final state or a trajectory saved with "
                    + "checkpoint.trajectoryOptimizer: true");
        }
        return new Parent(r.label(), r.file(), r.run() == null ? null : r.run().root(), r.epoch(), sha256(r.file()), s);
    }

    /**
     * Re-reads the parent a branch's run.json recorded, checking that the file still has the same bytes.
     *
     * @throws BadInputException when the file is gone or changed
     */
    public static Parent reopen(Map<?, ?> recorded) {
        Path file = Path.of(String.valueOf(recorded.get("file")));
        String label = String.valueOf(recorded.get("state"));
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": the parent state of this branch (" + label + ") is gone; cannot restart the branch");
        }
        String sha = sha256(file);
        if (!sha.equals(recorded.get("sha256"))) {
            throw new BadInputException(file + ": the parent state of this branch changed (sha256 " + sha + ", recorded "
                    + recorded.get("sha256") + "); cannot restart the branch from it");
        }
        State s = StateFile.read(file);
        if (s.config() == null && recorded.get("run") != null) {
            s = RunStates.open(Path.of(String.valueOf(recorded.get("run")))).read(file);
        }
        Object run = recorded.get("run");
        return new Parent(label, file, run == null ? null : Path.of(String.valueOf(run)), s.epoch(), sha, s);
    }

    /**
     * The branch's experiment: {@code e} with the parent's data seed unless {@code e} sets its own, so
     * that the branch trains and is evaluated on its parent's split.
     */
    public Experiment adopt(Experiment e) {
        if (e.data().seed() >= 0) {
            return e;
        }
        return e.withData(e.data().withSeed(state.experiment(label).dataSeed()));
    }

    /** What run.json records: state, file, run, epoch, steps, sha256. */
    public Map<String, Object> record() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", label);
        m.put("file", file.toAbsolutePath().normalize().toString());
        m.put("run", run == null ? null : run.toAbsolutePath().normalize().toString());
        m.put("epoch", epoch);
        m.put("steps", state.steps());
        m.put("sha256", sha256);
        return m;
    }

    /** Hex SHA-256 of a file's bytes. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
