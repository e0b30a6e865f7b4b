package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.backend.NativeMemory;
import dev.grokscope.sweep.Aggregator;
import dev.grokscope.sweep.LocalExecutor;
import dev.grokscope.sweep.PointRunner;
import dev.grokscope.sweep.SlurmExecutor;
import dev.grokscope.sweep.SweepDirectory;
import dev.grokscope.sweep.SweepPlan;
import dev.grokscope.sweep.SweepSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code grokscope sweep SWEEP.yaml [--executor local|slurm] [--jobs N] [--out DIR] [--dry-run] [--wait] [--aggregate]}. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run a grid of experiments: every point a 'grokscope run' in its own process, then summary.csv "
                + "and by_<key>.csv tables.",
                "Re-running the same command skips finished points (completed or diverged), resumes stopped runs "
                + "that have a checkpoint and restarts the rest, moving their earlier attempt aside "
                + "(runs/<id>.replaced-<time>); a point whose run.json cannot be read is left untouched. "
                + "Nothing is ever deleted."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every point finished (completed or diverged), or plan written (--dry-run), or submitted",
                "1:some point failed, is missing or has an unreadable run.json (left untouched)",
                "2:bad input (nothing written), or another live process runs this sweep or one of its points"})
final class SweepCommand implements Callable<Integer> {
    enum Executor { local, slurm }

    @Parameters(index = "0", paramLabel = "SWEEP",
            description = "Sweep YAML (see configs/sweeps/), or an existing sweep directory.")
    Path sweep;

    @Option(names = "--executor", paramLabel = "local|slurm", description = "Where points run (default: ${DEFAULT-VALUE}).")
    Executor executor = Executor.local;

    @Option(names = "--jobs", paramLabel = "N", description = "local: runs at once (default: local.jobs, else "
            + "cores / local.threadsPerRun); slurm: array tasks at once (%%N; default: slurm.maxRunning).")
    int jobs;

    @Option(names = "--out", paramLabel = "DIR", description = "Sweep directory (default: results/sweeps/<name>).")
    Path out;

    @Option(names = "--dry-run", description = "Write the plan (and sbatch.sh for slurm); run and submit nothing.")
    boolean dryRun;

    @Option(names = "--wait", description = "slurm: wait for the job array to finish, then aggregate.")
    boolean await;

    @Option(names = "--aggregate", description = "Only (re)write summary.csv and by_<key>.csv of an existing sweep directory.")
    boolean aggregateOnly;

    @Option(names = "--point", paramLabel = "ID", hidden = true,
            description = "Run one point of an existing sweep directory (what each SLURM array task does).")
    String point;

    private final PrintStream out0 = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (jobs < 0) {
            throw new BadInputException("--jobs: must be >= 1, got " + jobs);
        }
        NativeMemory.fromSystemProperty(); // a bad value is bad input before anything is written
        boolean isDir = Files.isDirectory(sweep);
        if (point != null) {
            return runPoint(new SweepDirectory(out != null ? out : isDir ? sweep : sweep.toAbsolutePath().getParent()));
        }
        Path file = isDir ? sweep.resolve(SweepDirectory.SWEEP) : sweep;
        if (aggregateOnly) {
            SweepDirectory dir = new SweepDirectory(out != null ? out : isDir ? sweep
                    : defaultDir(SweepSpec.load(file).name()));
            return report(dir, Aggregator.aggregate(dir));
        }

        SweepSpec spec = SweepSpec.load(file);
        SweepPlan plan = SweepPlan.of(spec);
        SweepDirectory dir = new SweepDirectory(out != null ? out : isDir ? sweep : defaultDir(spec.name()));
        LocalExecutor local = executor == Executor.local ? LocalExecutor.of(dir,
                jobs > 0 ? jobs : spec.local().jobs(), spec.local().threadsPerRun(),
                Runtime.getRuntime().availableProcessors(), err) : null;

        dir.writePlan(plan);
        List<String> ids = plan.points().stream().map(SweepPlan.Planned::id).toList();
        List<String> unreadable = ids.stream()
                .filter(id -> PointRunner.decide(dir.run(id)) == PointRunner.Action.LEAVE).toList();
        List<String> pending = ids.stream().filter(id -> !unreadable.contains(id))
                .filter(id -> PointRunner.decide(dir.run(id)) != PointRunner.Action.SKIP).toList();
        unreadable.forEach(id -> err.println("grokscope: point " + id + ": " + dir.run(id).runJson()
                + " cannot be read; the point is left untouched (repair or move it, then re-run)"));
        err.printf(Locale.ROOT, "grokscope: sweep %s: %d points, %d finished, %d to run -> %s%n", spec.name(), ids.size(),
                ids.size() - pending.size(), pending.size(), dir.root());

        if (local != null) {
            if (dryRun) {
                err.printf(Locale.ROOT, "grokscope: dry run: plan written; would run %d at a time with "
                        + "OMP_NUM_THREADS=%d%n", local.jobs(), local.threadsPerRun());
                return 0;
            }
            err.printf(Locale.ROOT, "grokscope: local pool: %d at a time, OMP_NUM_THREADS=%d each%n", local.jobs(),
                    local.threadsPerRun());
            List<PointRunner.Result> results = local.run(ids);
            return Math.max(report(dir, Aggregator.aggregate(dir)), refused(results));
        }

        SlurmExecutor slurm = new SlurmExecutor(dir, spec.slurm(), spec.name());
        if (pending.isEmpty()) {
            err.println("grokscope: no point to run; nothing to submit");
            return report(dir, Aggregator.aggregate(dir));
        }
        Path script = slurm.writeScript(pending.stream().map(ids::indexOf).toList(),
                jobs > 0 ? jobs : spec.slurm().maxRunning());
        if (dryRun) {
            err.println("grokscope: dry run: wrote " + script + "; submit with: sbatch --parsable " + script);
            return 0;
        }
        String job = slurm.submit(pending);
        out0.println(job);
        err.println("grokscope: submitted SLURM job " + job + " (" + pending.size() + " array tasks); logs in "
                + dir.root().resolve(SweepDirectory.SLURM_LOGS) + " and runs/<id>.log");
        if (!await) {
            err.println("grokscope: check with 'squeue -j " + job + "'; then 'grokscope sweep " + dir.root()
                    + " --aggregate'");
            return 0;
        }
        slurm.await(job);
        return report(dir, Aggregator.aggregate(dir));
    }

    private int runPoint(SweepDirectory dir) throws Exception {
        if (!dir.readPlan().ids().contains(point)) {
            throw new BadInputException(dir.root() + ": no point '" + point + "' in " + SweepDirectory.PLAN);
        }
        String omp = System.getenv("OMP_NUM_THREADS");
        int threads = omp != null && omp.matches("\\d+") ? Math.max(1, Integer.parseInt(omp)) : 1;
        PointRunner.Result r = new PointRunner(dir, threads).run(point);
        err.printf(Locale.ROOT, "grokscope: point %s: %s, %s (exit %d)%s%n", point,
                r.action().name().toLowerCase(Locale.ROOT), r.status(), r.exitCode(),
                r.detail() == null ? "" : ": " + r.detail());
        return r.action() == PointRunner.Action.BUSY ? Main.BAD_INPUT : r.finished() ? 0 : Main.FAILED;
    }

    /**
     * Names every point the pool left alone (unreadable run.json, or run by another live process) and
     * returns the exit code they call for: 2 when another writer held a point, 1 for a damaged one.
     */
    private int refused(List<PointRunner.Result> results) {
        int code = 0;
        for (PointRunner.Result r : results) {
            if (r.action().refused()) {
                err.println("grokscope: point " + r.id() + " not run: " + r.detail());
                code = Math.max(code, r.action() == PointRunner.Action.BUSY ? Main.BAD_INPUT : Main.FAILED);
            }
        }
        return code;
    }

    private static Path defaultDir(String name) {
        return Path.of("results", "sweeps", name);
    }

    private static boolean finished(String status) {
        return dev.grokscope.train.RunStatus.parse(status).map(dev.grokscope.train.RunStatus::finished).orElse(false);
    }

    /** Prints the summary as a table; exit 0 when every point finished. */
    private int report(SweepDirectory dir, List<Aggregator.Row> rows) {
        int width = Math.max(10, rows.stream().mapToInt(r -> r.id().length()).max().orElse(10));
        String fmt = "%-" + width + "s  %-9s  %8s  %8s  %9s  %9s%n";
        out0.printf(Locale.ROOT, fmt, "id", "status", "train99", "val99", "val_acc", "eff_rank");
        for (Aggregator.Row r : rows) {
            out0.printf(Locale.ROOT, fmt, r.id(), r.status(), orDash(r.epochTrain99()), orDash(r.epochVal99()),
                    r.valAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.valAccuracy()),
                    r.meanEffectiveRank() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.meanEffectiveRank()));
        }
        long unfinished = rows.stream().filter(r -> !finished(r.status())).count();
        try {
            err.println("grokscope: report " + dev.grokscope.report.Reports.write(dir.root()).html());
        } catch (RuntimeException e) {
            err.println("grokscope: report not written: " + e.getMessage());
        }
        err.println("grokscope: wrote " + dir.file(SweepDirectory.SUMMARY) + (unfinished > 0 ? "; " + unfinished
                + " point(s) not finished (failed, running, missing or unreadable): re-run the same command to retry them" : ""));
        return unfinished > 0 ? Main.FAILED : 0;
    }

    private static String orDash(Object o) {
        return o == null ? "-" : o.toString();
    }
}
