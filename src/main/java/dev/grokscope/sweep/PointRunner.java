package dev.grokscope.sweep;

import dev.grokscope.BadInputException;
import dev.grokscope.results.Checkpoint;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.results.RunRecord;
import dev.grokscope.results.WriterLock;
import dev.grokscope.train.RunStatus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one point of a sweep as a {@code grokscope run} subprocess, isolated from the others: its own
 * JVM, {@code OMP_NUM_THREADS}, run directory and log. Used by the local pool and by each SLURM task.
 */
public final class PointRunner {
    /** What to do with a point, decided from its run directory by {@link #decide}. */
    public enum Action {
        /** No run directory: run it. */
        RUN,
        /** Finished (completed or diverged): leave it. */
        SKIP,
        /**
         * Unfinished (failed, no run.json, or stopped without a checkpoint): move the directory aside
         * ({@code <dir>.replaced-<time>}, error.txt and all) and run the point from scratch.
         */
        RESTART,
        /** Stopped (running when killed, or interrupted) with a checkpoint: continue it with {@code run --resume}. */
        RESUME,
        /** run.json exists but cannot be read: a damaged result is neither trusted nor touched. */
        LEAVE,
        /** Another live process (a sweep, a SLURM task) holds the point's lock: not run here. */
        BUSY;

        /** Whether the point was left as it was for a reason the sweep must report (exit non-zero). */
        public boolean refused() {
            return this == LEAVE || this == BUSY;
        }
    }

    /**
     * How a point ended: its status label ({@link RunStatus#label()}, or {@code missing}, {@code unreadable},
     * {@code busy}), the exit code of its run (-1 when nothing ran) and, for a refused point, why.
     */
    public record Result(String id, Action action, String status, int exitCode, double seconds, String detail) {
        /** Whether the point holds a finished result (completed or diverged). */
        public boolean finished() {
            return RunStatus.parse(status).map(RunStatus::finished).orElse(false);
        }
    }

    /** Status label of a point that has no run.json. */
    public static final String MISSING = "missing";
    /** Status label of a point whose run.json exists but cannot be read. */
    public static final String UNREADABLE = "unreadable";
    /** Status label of a point that another live process is running. */
    public static final String BUSY = "busy";

    private final SweepDirectory dir;
    private final int threads;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

    public PointRunner(SweepDirectory dir, int threads) {
        this.dir = dir;
        this.threads = threads;
    }

    /**
     * The one place that decides whether a point runs again. Completed and diverged runs are results; a
     * stopped run with a checkpoint is resumed; a run.json that cannot be read is left alone; anything else
     * left by an earlier attempt is moved aside and restarted. Nothing is ever deleted.
     */
    public static Action decide(RunDirectory run) {
        if (!Files.exists(run.root())) {
            return Action.RUN;
        }
        Optional<RunStatus> status;
        try {
            status = RunRecord.status(run.runJson());
        } catch (RunRecord.Unreadable e) {
            return Action.LEAVE;
        }
        if (status.isPresent() && status.get().finished()) {
            return Action.SKIP;
        }
        return status.isPresent() && resumable(run, status.get()) ? Action.RESUME : Action.RESTART;
    }

    /**
     * Whether an unfinished run can be continued with {@code grokscope run --resume}: it was stopped
     * (killed while running, or interrupted) rather than failed, and holds a checkpoint. A failed run
     * starts again from scratch: resuming would most likely repeat the failure.
     */
    static boolean resumable(RunDirectory run, RunStatus status) {
        if (!(status == RunStatus.RUNNING || status == RunStatus.INTERRUPTED) || !Files.isRegularFile(run.config())) {
            return false;
        }
        try {
            return !Checkpoint.list(run.root()).isEmpty();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The {@code grokscope} arguments that carry out an action on a point. Paths are relative to the sweep
     * directory, the subprocess's working directory, so that run.json's command holds no machine's paths.
     */
    static List<String> runArgs(Action action, String id) {
        String out = SweepDirectory.RUNS + "/" + id;
        return switch (action) {
            case RESUME -> List.of("run", "--resume", out);
            case RUN, RESTART -> List.of("run", SweepDirectory.CONFIGS + "/" + id + ".yaml", "--out", out);
            case SKIP, LEAVE, BUSY -> throw new IllegalArgumentException("nothing to run for a point to " + action);
        };
    }

    /** run.json's status label, or {@link #MISSING} / {@link #UNREADABLE}. */
    public static String status(RunDirectory run) {
        try {
            return RunRecord.status(run.runJson()).map(RunStatus::label).orElse(MISSING);
        } catch (RunRecord.Unreadable e) {
            return UNREADABLE;
        }
    }

    /**
     * Takes the point's lock, decides, then runs the point if needed, and waits for it. The lock
     * ({@code runs/<id>.lock}) is held from the decision to the end of the run, so two sweeps, or a SLURM
     * task and a local sweep, never run one point at once.
     */
    public Result run(String id) throws IOException, InterruptedException {
        RunDirectory run = dir.run(id);
        WriterLock lock;
        try {
            lock = WriterLock.acquire(dir.pointLock(id), "point " + id);
        } catch (BadInputException busy) {
            return new Result(id, Action.BUSY, BUSY, -1, 0, busy.getMessage());
        }
        try (lock) {
            return runLocked(id, run);
        }
    }

    private Result runLocked(String id, RunDirectory run) throws IOException, InterruptedException {
        Action action = decide(run);
        if (action == Action.SKIP) {
            return new Result(id, action, status(run), -1, 0, null);
        }
        if (action == Action.LEAVE) {
            String why;
            try {
                RunRecord.status(run.runJson());
                why = run.runJson() + ": unreadable";
            } catch (RunRecord.Unreadable e) {
                why = e.getMessage();
            }
            return new Result(id, action, UNREADABLE, -1, 0, why + "; left untouched (repair or move it, then re-run)");
        }
        stopLeftover(id);
        Path log = dir.log(id);
        Files.createDirectories(log.getParent());
        String note = "";
        if (action == Action.RESTART) {
            Path aside = RunDirectory.moveAside(run.root());
            note = " (the earlier attempt, status " + status(new RunDirectory(aside)) + ", moved to "
                    + dir.root().relativize(aside) + ")";
        }
        List<String> jvm = new ArrayList<>();
        jvm.add("-D" + JavaLauncher.PARENT_PID + "=" + ProcessHandle.current().pid());
        ProcessBuilder pb = new ProcessBuilder(JavaLauncher.command(jvm, runArgs(action, id)))
                .directory(dir.root().toFile());
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        pb.redirectErrorStream(true);
        Files.writeString(log, "== " + Instant.now() + " grokscope sweep: " + action.name().toLowerCase(Locale.ROOT)
                + " " + id + " (OMP_NUM_THREADS=" + threads + ")" + note + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long t0 = System.nanoTime();
        Process p = pb.start();
        live.add(p);
        Files.writeString(dir.pidFile(id), p.pid() + "\n", StandardCharsets.UTF_8);
        try {
            int code = p.waitFor();
            return new Result(id, action, status(run), code, (System.nanoTime() - t0) / 1e9, null);
        } finally {
            live.remove(p);
            Files.deleteIfExists(dir.pidFile(id));
        }
    }

    /**
     * Stops every run this runner started that is still going (for shutdown hooks): SIGTERM first, so
     * that each run writes a checkpoint and marks itself interrupted (and is resumed next time), then
     * SIGKILL for any still alive after 20 s.
     */
    public void stopAll() {
        live.forEach(Process::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (Process p : live) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A sweep killed outright leaves its runs' pids behind; one still alive (its parent watch stops it
     * within a second) must be gone before its directory is deleted, or it would write into the new run.
     */
    private void stopLeftover(String id) throws IOException, InterruptedException {
        Path pidFile = dir.pidFile(id);
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        String text = Files.readString(pidFile, StandardCharsets.UTF_8).strip();
        Optional<ProcessHandle> h = text.matches("\\d+") ? ProcessHandle.of(Long.parseLong(text)) : Optional.empty();
        if (h.isPresent() && h.get().isAlive() && isRunOf(h.get(), id)) {
            h.get().destroyForcibly();
            try {
                h.get().onExit().get(Duration.ofSeconds(30).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IOException("cannot stop the earlier run of " + id + " (pid " + text + ")", e);
            }
        }
        Files.deleteIfExists(pidFile);
    }

    /** Whether a live process is a grokscope run of this point in this sweep directory (pids get reused). */
    private boolean isRunOf(ProcessHandle h, String id) {
        String command = h.info().commandLine().orElse("");
        if (!command.contains("dev.grokscope.cli.Main") || !command.contains(SweepDirectory.RUNS + "/" + id)) {
            return false;
        }
        try {
            return Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "cwd")).equals(dir.root());
        } catch (IOException | UnsupportedOperationException e) {
            return true; // no /proc: the command line has to do
        }
    }
}
