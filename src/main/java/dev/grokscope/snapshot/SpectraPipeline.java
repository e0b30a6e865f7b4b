package dev.grokscope.snapshot;

import dev.grokscope.backend.BlasThreads;
import dev.grokscope.results.RunDirectory;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs snapshots through analysis into the sinks of a run directory: spectra.csv, {@code spectra/<m>.npy},
 * the vector files, any extra sinks, and {@code spectra/epochs.npy} last, so that its length counts whole
 * snapshots. A snapshot reaches every sink or none: if one fails, those before it are undone and the
 * failure is rethrown.
 *
 * <p>Where the work runs is the {@link Schedule}: everything on the caller's (training) thread, or the
 * analysis and the writes on one worker thread while training goes on when a core is free for it, or,
 * when training's BLAS already uses every core, the analysis on every core at once while training waits
 * and the writes on the worker. At most one snapshot is pending ({@link #submit} waits for the previous
 * one), and {@link #awaitPending()} makes everything submitted written. The snapshot's matrices must be
 * copies: the pipeline owns them and frees their native memory as soon as they are analysed (or failed),
 * instead of leaving it to the garbage collector. No schedule changes what training computes.
 */
public final class SpectraPipeline {
    /** Where a snapshot's analysis and writes run. */
    public enum Schedule {
        /** Analysis and writes on the caller's thread, between training steps. */
        INLINE,
        /**
         * Analysis and writes on one worker thread while training goes on: when training's BLAS leaves a
         * core free (fewer BLAS threads than cores), the worker costs training next to nothing.
         */
        BACKGROUND,
        /**
         * Training uses every core (its BLAS, or its own threads), so a concurrent worker would take CPU
         * from it and queue with it for OpenBLAS's one thread pool ({@link BlasThreads}): the caller waits while the matrices are
         * analysed on every core at once, one BLAS thread each, and the writes go on in the background.
         */
        ALL_CORES;

        /**
         * The schedule for a run that asked for background work ({@code instrumentation.background}) whose
         * training keeps this many threads busy ({@code Network#computeThreads}), on this many cores.
         */
        public static Schedule of(boolean background, int trainingThreads, int cores) {
            if (!background) {
                return INLINE;
            }
            return cores > 1 && trainingThreads >= cores ? ALL_CORES : BACKGROUND;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(SpectraPipeline.class);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final RunDirectory dir;
    private final SnapshotAnalysis analysis;
    private final VectorFilesSink vectors;
    private final List<SnapshotSink> sinks = new ArrayList<>();
    private final Schedule schedule;
    private final ExecutorService worker;
    private final ExecutorService analysers;
    /** The analysis threads of {@link Schedule#ALL_CORES}, whose CPU time and allocations {@link Meter} counts. */
    private final List<Thread> analysisThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Future<?> pending;
    private SnapshotSink.Resume resume = SnapshotSink.Resume.NONE;
    private boolean opened;
    private long nanos;
    private long cpuNanos;
    private long allocated;
    private int snapshots;

    /**
     * @param chains matrices where each feeds the next (in x out), for {@code align_next}
     * @param background keep the work off the training thread as far as the machine allows
     *        ({@link Schedule#of}: {@link Schedule#BACKGROUND} or {@link Schedule#ALL_CORES}); false: inline
     * @param extraSinks further consumers, called after the files and before epochs.npy
     */
    public SpectraPipeline(RunDirectory dir, List<List<String>> chains, boolean background,
                           List<SnapshotSink> extraSinks) {
        this(dir, chains, Schedule.of(background, BlasThreads.current(), Runtime.getRuntime().availableProcessors()),
                extraSinks);
    }

    /** A pipeline with the given schedule. */
    public SpectraPipeline(RunDirectory dir, List<List<String>> chains, Schedule schedule,
                           List<SnapshotSink> extraSinks) {
        this.schedule = schedule;
        this.dir = dir;
        this.analysis = new SnapshotAnalysis(chains);
        this.vectors = new VectorFilesSink(dir.spectra());
        sinks.add(new SpectraCsvSink(dir.spectraCsv()));
        sinks.add(new SingularValuesSink(dir));
        sinks.add(vectors);
        sinks.addAll(extraSinks);
        sinks.add(new EpochsSink(dir.spectra().resolve(RunDirectory.EPOCHS)));
        this.worker = schedule == Schedule.INLINE ? null : Executors.newSingleThreadExecutor(daemons("grokscope-spectra", null));
        this.analysers = schedule != Schedule.ALL_CORES ? null
                : Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), daemons("grokscope-spectra-analysis", analysisThreads));
    }

    /** Daemon threads named {@code name-1}, {@code name-2}, ..; each one started is added to {@code started} if given. */
    private static java.util.concurrent.ThreadFactory daemons(String name, List<Thread> started) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            if (started != null) {
                started.add(t);
            }
            return t;
        };
    }

    /** Where this pipeline's work runs. */
    public Schedule schedule() {
        return schedule;
    }

    /**
     * Where this session starts: 0 for a new run, else the checkpoint epoch a resumed run continues
     * after (the sinks then keep the snapshots up to it; if it has no epochs.npy, nothing whole was written
     * and the files start again). Call before the first {@link #submit}.
     */
    public void start(int resumedAfter) {
        var epochs = dir.spectra().resolve(RunDirectory.EPOCHS);
        resume = resumedAfter <= 0 || !Files.exists(epochs) ? SnapshotSink.Resume.NONE // nothing whole to keep
                : new SnapshotSink.Resume(resumedAfter, EpochsSink.snapshotsUpTo(epochs, resumedAfter));
    }

    /** Analyses and writes a snapshot (copies of the matrices) after the previous one is written. */
    public void submit(int epoch, Map<String, INDArray> copies) throws IOException {
        awaitPending();
        switch (schedule) {
            case INLINE -> write(analyse(epoch, copies));
            case BACKGROUND -> pending = worker.submit(() -> {
                write(analyse(epoch, copies));
                return null;
            });
            case ALL_CORES -> {
                AnalysedSnapshot s;
                try (BlasThreads.Lease ignored = BlasThreads.singleThreaded()) {
                    s = analyse(epoch, copies);
                }
                pending = worker.submit(() -> {
                    write(s);
                    return null;
                });
            }
        }
    }

    /** Waits for the snapshot being written in the background, if any; rethrows its failure. */
    public void awaitPending() throws IOException {
        Future<?> f = pending;
        pending = null;
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing spectra", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        }
    }

    /**
     * Ends the session: waits for the pending snapshot, tells every sink ({@code complete}: the run will
     * not continue), closes them and stops the worker. The first failure is rethrown after all are closed.
     */
    public void finish(boolean complete) throws IOException {
        Exception first = null;
        try {
            awaitPending();
        } catch (IOException | RuntimeException e) {
            first = e;
        } finally {
            if (worker != null) {
                worker.shutdown();
            }
            if (analysers != null) {
                analysers.shutdown();
            }
        }
        for (SnapshotSink s : sinks) {
            try {
                if (opened && first == null) {
                    s.finish(complete);
                }
            } catch (IOException | RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        for (SnapshotSink s : sinks) {
            try {
                s.close();
            } catch (IOException | RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (snapshots > 0) {
            LOG.info("spectra: {} snapshots, {} ms wall and {} ms CPU each (analysis and writes), {} MB of Java heap "
                            + "allocated each; schedule {}", snapshots,
                    String.format(java.util.Locale.ROOT, "%.1f", msPerSnapshot()),
                    String.format(java.util.Locale.ROOT, "%.1f", cpuMsPerSnapshot()),
                    String.format(java.util.Locale.ROOT, "%.2f", allocatedMbPerSnapshot()),
                    schedule.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first != null) {
            throw (RuntimeException) first;
        }
    }

    /** Mean wall time of one snapshot's analysis and writes in this session, ms; NaN before the first. */
    public synchronized double msPerSnapshot() {
        return snapshots == 0 ? Double.NaN : nanos / 1e6 / snapshots;
    }

    /**
     * Mean CPU time of the thread that analysed and wrote one snapshot, ms; NaN before the first. (BLAS
     * threads that LAPACK may start are not counted; with OMP_NUM_THREADS=1 there are none.)
     */
    public synchronized double cpuMsPerSnapshot() {
        return snapshots == 0 ? Double.NaN : cpuNanos / 1e6 / snapshots;
    }

    /**
     * Mean Java heap allocated by the thread that analysed and wrote one snapshot, MB; NaN before the
     * first. Heap garbage matters beyond its collection: the run's full collections for ND4J's native
     * memory are triggered by heap growth ({@link dev.grokscope.backend.NativeMemory}).
     */
    public synchronized double allocatedMbPerSnapshot() {
        return snapshots == 0 ? Double.NaN : allocated / 1e6 / snapshots;
    }

    /**
     * The snapshot's analysis (on every core under {@link Schedule#ALL_CORES}); frees the copies whatever
     * happens.
     */
    private AnalysedSnapshot analyse(int epoch, Map<String, INDArray> copies) throws IOException {
        Meter m = new Meter();
        try {
            if (!opened && resume.snapshots() > 0) {
                analysis.seed(vectors.read(resume.snapshots() - 1, copies));
            }
            return analysers == null ? analysis.analyse(epoch, copies) : analysis.analyse(epoch, copies, analysers);
        } finally {
            copies.values().forEach(INDArray::close);
            m.stop();
        }
    }

    /** Appends an analysed snapshot to every sink (opening them with the first) or to none. */
    private void write(AnalysedSnapshot s) throws IOException {
        Meter m = new Meter();
        if (!opened) {
            Files.createDirectories(dir.spectra());
            for (SnapshotSink sink : sinks) {
                sink.open(s, resume);
            }
            opened = true;
        }
        appendEverywhere(s);
        analysis.commit(s);
        m.stop();
        synchronized (this) {
            snapshots++;
        }
    }

    /**
     * Wall time from construction to {@link #stop}, and the CPU time and Java heap the current thread and
     * the analysis threads used meanwhile (the analysis threads work only while the caller waits for them).
     */
    private final class Meter {
        private final long t0 = System.nanoTime();
        private final long c0 = cpu();
        private final long a0 = allocatedBytes();

        void stop() {
            synchronized (SpectraPipeline.this) {
                nanos += System.nanoTime() - t0;
                cpuNanos += cpu() - c0;
                allocated += allocatedBytes() - a0;
            }
        }

        private long cpu() {
            long sum = THREADS.getCurrentThreadCpuTime();
            for (Thread t : analysisThreads) {
                sum += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
            }
            return sum;
        }

        private long allocatedBytes() {
            long sum = THREADS.getCurrentThreadAllocatedBytes();
            for (Thread t : analysisThreads) {
                sum += Math.max(0, THREADS.getThreadAllocatedBytes(t.getId()));
            }
            return sum;
        }
    }

    private void appendEverywhere(AnalysedSnapshot s) throws IOException {
        int done = 0;
        try {
            for (SnapshotSink sink : sinks) {
                done++;
                sink.append(s);
            }
        } catch (IOException | RuntimeException e) {
            for (int i = done - 1; i >= 0; i--) {
                try {
                    sinks.get(i).undo();
                } catch (IOException | RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
    }
}
