package dev.grokscope.sweep;

import dev.grokscope.BadInputException;
import dev.grokscope.results.WriterLock;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a sweep's points on this machine, {@code jobs} at a time, each a subprocess with
 * {@code threadsPerRun} ND4J/OpenMP threads; {@code jobs x threadsPerRun} may not exceed the cores.
 * One lock file keeps two sweeps out of one directory and per-point locks keep a SLURM task and a local
 * sweep off one point; a killed sweep's locks go with it.
 */
public final class LocalExecutor {
    private final SweepDirectory dir;
    private final int jobs;
    private final int threadsPerRun;
    private final PrintStream log;

    private LocalExecutor(SweepDirectory dir, int jobs, int threadsPerRun, PrintStream log) {
        this.dir = dir;
        this.jobs = jobs;
        this.threadsPerRun = threadsPerRun;
        this.log = log;
    }

    /**
     * Sizes the pool. {@code jobs} 0 means max(1, cores / threadsPerRun).
     *
     * @throws BadInputException when jobs x threadsPerRun exceeds the cores
     */
    public static LocalExecutor of(SweepDirectory dir, int jobs, int threadsPerRun, int cores, PrintStream log) {
        int threads = Math.max(1, threadsPerRun);
        int j = jobs > 0 ? jobs : Math.max(1, cores / threads);
        if (j * threads > Math.max(cores, threads)) {
            throw new BadInputException("--jobs " + j + " x local.threadsPerRun " + threads + " = " + j * threads
                    + " threads, more than the " + cores + " cores here; lower one of them");
        }
        return new LocalExecutor(dir, j, threads, log);
    }

    public int jobs() {
        return jobs;
    }

    public int threadsPerRun() {
        return threadsPerRun;
    }

    /**
     * Runs every point that {@link PointRunner#decide} does not skip; returns one result per point, plan
     * order. The sweep directory's lock ({@code .lock}) keeps a second local sweep out.
     *
     * @throws BadInputException when another live process runs a local sweep in this directory
     */
    public List<PointRunner.Result> run(List<String> ids) throws IOException, InterruptedException {
        try (WriterLock lock = WriterLock.acquire(dir.file(".lock"), "sweep " + dir.root())) {
            return runLocked(ids);
        }
    }

    private List<PointRunner.Result> runLocked(List<String> ids) throws InterruptedException, IOException {
        PointRunner runner = new PointRunner(dir, threadsPerRun);
        Thread hook = new Thread(runner::stopAll, "grokscope-sweep-stop-runs");
        Runtime.getRuntime().addShutdownHook(hook);
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "grokscope-sweep-point");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger done = new AtomicInteger();
        try {
            List<Future<PointRunner.Result>> futures = new ArrayList<>();
            for (String id : ids) {
                futures.add(pool.submit(() -> {
                    PointRunner.Result r = runner.run(id);
                    String how = switch (r.action()) {
                        case SKIP -> "";
                        case LEAVE, BUSY -> "  " + r.detail();
                        default -> String.format(Locale.ROOT, "  exit %d  %.1f s  log %s", r.exitCode(), r.seconds(),
                                dir.root().relativize(dir.log(id)));
                    };
                    log.println(String.format(Locale.ROOT, "[%d/%d] %-30s %-8s %s%s", done.incrementAndGet(), ids.size(),
                            id, r.action().name().toLowerCase(Locale.ROOT), r.status(), how));
                    return r;
                }));
            }
            List<PointRunner.Result> results = new ArrayList<>();
            for (Future<PointRunner.Result> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    throw new IOException("sweep point failed to start: " + e.getCause().getMessage(), e.getCause());
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
            runner.stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // Already shutting down.
            }
        }
    }
}
