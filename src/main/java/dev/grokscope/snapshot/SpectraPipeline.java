package dev.grokscope.snapshot;

import dev.grokscope.backend.BlasThreads;
import dev.grokscope.backend.IdlePriority;
import dev.grokscope.backend.NativeMemory;
import dev.grokscope.results.RunDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Runs snapshots through analysis into the sinks of a run directory: spectra.csv, {@code spectra/<m>.npy},
 * the vector files, any extra sinks, and {@code spectra/epochs.npy} last, so that its length counts whole
 * snapshots. A snapshot reaches every sink or none: if one fails, those before it are undone and the
 * failure is rethrown. Sinks are called in snapshot order and never two at once, though not always from
 * the same thread.
 *
 * <p>Where the work runs is the {@link Schedule}. In each, a snapshot is a few independent pieces of work
 * (one decomposition per matrix, {@link SnapshotAnalysis#decompose}) followed by one that compares and
 * writes them, and any thread may take a piece that no other has taken: a worker thread in the operating
 * system's idle class ({@link IdlePriority}) does what it can with the CPU training leaves unused, and
 * when training hands over a snapshot while {@link #MAX_PENDING} are still pending (or a checkpoint or the
 * end of training needs everything written), the training thread does the rest of the oldest itself.
 * Snapshots are compared and written in the order they were taken, each after the one before it. No
 * schedule changes what training computes, nor what is written.
 */
public final class SpectraPipeline {
    /** Where a snapshot's analysis and writes run. */
    public enum Schedule {
        /** Analysis and writes on the caller's thread, between training steps. */
        INLINE,
        /**
         * Analysis and writes on the idle-class worker while training goes on; whatever it has not done
         * when the next snapshot comes, the training thread does. For training whose BLAS runs on one
         * thread (a 1-thread run, or a network that splits its batches over its own threads at one BLAS
         * thread each): the worker's LAPACK calls then never queue with training's for OpenBLAS's one
         * thread pool ({@link BlasThreads}), and training computes exactly what it would without spectra.
         */
        BACKGROUND,
        /**
         * Training's BLAS runs on several threads (a Deeplearning4j network of a user's), so a concurrent
         * analysis would queue with it for OpenBLAS's thread pool and change its thread count under it: the
         * caller waits while the matrices are decomposed on every core at once, one BLAS thread each, and
         * the comparison and writes go to the worker.
         */
        ALL_CORES;

        /**
         * The schedule for a run that asked for background work ({@code instrumentation.background}) whose
         * training runs the BLAS at {@code blasThreads} threads.
         */
        public static Schedule of(boolean background, int blasThreads) {
            if (!background) {
                return INLINE;
            }
            return blasThreads > 1 ? ALL_CORES : BACKGROUND;
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
    private final int analyserThreads;
    /**
     * Snapshots the background worker may be behind by: two let it catch up over an epoch whose idle CPU
     * fell short (Nanda's snapshot needs ~14 ms of CPU, about what an epoch at two threads leaves idle).
     */
    static final int MAX_PENDING = 2;
    /**
     * How long the training thread waits for a decomposition the worker has started before computing it
     * itself: longer than one takes on these shapes (~1-4 ms), short against a starved worker.
     */
    static final long HELP_WAIT_MS = 5;
    private final java.util.ArrayDeque<Job> pending = new java.util.ArrayDeque<>();
    /** Arrays of snapshots this pipeline has finished with, by length ({@link #take}). */
    private final Map<Integer, java.util.Deque<double[]>> spare = new java.util.concurrent.ConcurrentHashMap<>();
    private SnapshotSink.Resume resume = SnapshotSink.Resume.NONE;
    private boolean opened;
    // shared by the training thread and the idle-class worker without locks: a worker holding a lock
    // and starved of CPU would stall the training thread
    private final java.util.concurrent.atomic.LongAdder waitNanos = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder cpuNanos = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder allocated = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.AtomicInteger snapshots = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param chains matrices where each feeds the next (in x out), for {@code align_next}
     * @param background keep the work off the training thread as far as the machine allows
     *        ({@link Schedule#of}, from the BLAS's thread count now); false: inline
     * @param extraSinks further consumers, called after the files and before epochs.npy
     */
    public SpectraPipeline(RunDirectory dir, List<List<String>> chains, boolean background,
                           List<SnapshotSink> extraSinks) {
        this(dir, chains, Schedule.of(background, BlasThreads.current()), extraSinks);
    }

    /** A pipeline with the given schedule. */
    public SpectraPipeline(RunDirectory dir, List<List<String>> chains, Schedule schedule,
                           List<SnapshotSink> extraSinks) {
        this(dir, chains, schedule, extraSinks, schedule == Schedule.INLINE ? null
                : Executors.newSingleThreadExecutor(threads("grokscope-spectra", true)));
    }

    /** A pipeline whose worker is {@code worker} (tests: one that never runs, or one that is late). */
    SpectraPipeline(RunDirectory dir, List<List<String>> chains, Schedule schedule, List<SnapshotSink> extraSinks,
                    ExecutorService worker) {
        if ((worker == null) != (schedule == Schedule.INLINE)) {
            throw new IllegalArgumentException("a " + schedule + " pipeline " + (worker == null ? "needs" : "has no use for")
                    + " a worker");
        }
        this.schedule = schedule;
        this.dir = dir;
        this.analysis = new SnapshotAnalysis(chains);
        this.vectors = new VectorFilesSink(dir.spectra());
        sinks.add(new SpectraCsvSink(dir.spectraCsv()));
        sinks.add(new SingularValuesSink(dir));
        sinks.add(vectors);
        sinks.addAll(extraSinks);
        sinks.add(new EpochsSink(dir.spectra().resolve(RunDirectory.EPOCHS)));
        this.worker = worker;
        this.analyserThreads = Math.max(0, Runtime.getRuntime().availableProcessors() - 1);
        this.analysers = schedule != Schedule.ALL_CORES || analyserThreads == 0 ? null
                : Executors.newFixedThreadPool(analyserThreads, threads("grokscope-spectra-analysis", false));
    }

    /** Daemon threads named {@code name-1}, {@code name-2}, ..., in the idle class if {@code idle}. */
    private static java.util.concurrent.ThreadFactory threads(String name, boolean idle) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(() -> {
                if (idle && !IdlePriority.lowerCurrentThread()) {
                    LOG.debug("spectra worker runs at normal priority (no idle scheduling class here)");
                }
                r.run();
            }, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
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

    /**
     * Copies live weight matrices into a snapshot ({@link Snapshot#take}) whose arrays are those of
     * earlier snapshots this pipeline has finished with: a Nanda snapshot is 1.8 MB of float64, which
     * every epoch would otherwise be garbage for the collector.
     */
    public Snapshot take(int epoch, Map<String, org.nd4j.linalg.api.ndarray.INDArray> live) {
        return Snapshot.take(epoch, live, this::array);
    }

    private double[] array(int length) {
        java.util.Deque<double[]> free = spare.get(length);
        double[] a = free == null ? null : free.poll();
        return a != null ? a : new double[length];
    }

    /** A snapshot's arrays, free for the next: called once no thread reads them any more. */
    private void recycle(Snapshot s) {
        for (Snapshot.Matrix m : s.matrices()) {
            spare.computeIfAbsent(m.values().length, k -> new java.util.concurrent.ConcurrentLinkedDeque<>())
                    .push(m.values());
        }
    }

    /**
     * Analyses and writes a snapshot (every matrix finite) after the previous one is written, helping to
     * finish that one first if it is not.
     *
     * @throws IllegalArgumentException if a matrix of the snapshot is not finite
     */
    public void submit(Snapshot snapshot) throws IOException {
        if (snapshot.nonFinite() != null) {
            throw new IllegalArgumentException("spectra: " + snapshot.nonFinite() + " has NaN or infinite entries at "
                    + snapshot.epoch());
        }
        long t0 = System.nanoTime();
        try {
            while (pending.size() >= (schedule == Schedule.BACKGROUND ? MAX_PENDING : 1)) {
                finishOldest();
            }
            Job job = new Job(snapshot, pending.peekLast());
            switch (schedule) {
                case INLINE -> {
                    job.complete();
                    job.await();
                }
                case BACKGROUND -> {
                    pending.addLast(job);
                    worker.execute(job::work);
                }
                case ALL_CORES -> {
                    job.decomposeOnEveryCore();
                    pending.addLast(job);
                    worker.execute(job::work);
                }
            }
        } finally {
            addWait(System.nanoTime() - t0);
        }
    }

    /**
     * Finishes the oldest pending snapshot on this thread (what the worker has not started of it); on a
     * failure, finishes every later one too (they fail after it, writing nothing) and rethrows it.
     */
    private void finishOldest() throws IOException {
        Job j = pending.pollFirst();
        try {
            j.complete();
            j.await();
        } catch (IOException | RuntimeException | Error e) {
            while (!pending.isEmpty()) {
                Job later = pending.pollFirst();
                later.complete();
                try {
                    later.await();
                } catch (IOException | RuntimeException | Error again) {
                    // failed after the first failure: nothing of it was written
                }
            }
            throw e;
        }
    }

    /**
     * Makes every pending snapshot written, in order, doing on this thread whatever part of them the
     * worker has not started; rethrows the first failure.
     */
    public void awaitPending() throws IOException {
        long t0 = System.nanoTime();
        try {
            while (!pending.isEmpty()) {
                finishOldest();
            }
        } finally {
            addWait(System.nanoTime() - t0);
        }
    }

    /**
     * Ends the session: waits for the pending snapshot, tells every sink ({@code complete}: the run will
     * not continue), closes them and stops the threads. The first failure is rethrown after all are closed.
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
        if (snapshots.get() > 0) {
            LOG.info("spectra: {} snapshots; each cost training {} ms of its time and took {} ms of CPU (analysis "
                            + "and writes, any thread), {} MB of Java heap; schedule {}", snapshots.get(),
                    String.format(java.util.Locale.ROOT, "%.2f", msPerSnapshot()),
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

    /**
     * What the spectra cost training, per snapshot, in this session: the mean time the calling (training)
     * thread spent in {@link #submit} and {@link #awaitPending}, analysing, writing or waiting, ms; NaN
     * before the first snapshot.
     */
    public double msPerSnapshot() {
        int n = snapshots.get();
        return n == 0 ? Double.NaN : waitNanos.sum() / 1e6 / n;
    }

    /** Mean CPU time of one snapshot's analysis and writes, on whichever threads did them, ms; NaN before the first. */
    public double cpuMsPerSnapshot() {
        int n = snapshots.get();
        return n == 0 ? Double.NaN : cpuNanos.sum() / 1e6 / n;
    }

    /**
     * Mean Java heap allocated by one snapshot's analysis and writes, MB; NaN before the first. Heap
     * garbage matters beyond its collection: the run's full collections for ND4J's native memory are
     * triggered by heap growth ({@link dev.grokscope.backend.NativeMemory}).
     */
    public double allocatedMbPerSnapshot() {
        int n = snapshots.get();
        return n == 0 ? Double.NaN : allocated.sum() / 1e6 / n;
    }

    private void addWait(long nanos) {
        waitNanos.add(nanos);
    }

    /** Runs {@code work} on this thread, adding its CPU time and heap allocation to the pipeline's. */
    private <T> T metered(Callable<T> work) throws Exception {
        long c0 = THREADS.getCurrentThreadCpuTime();
        long a0 = THREADS.getCurrentThreadAllocatedBytes();
        try {
            return work.call();
        } finally {
            long c = THREADS.getCurrentThreadCpuTime() - c0;
            long a = THREADS.getCurrentThreadAllocatedBytes() - a0;
            NativeMemory.allocatedWithoutNativeMemory(a); // plain arrays only: no ND4J array is made here
            cpuNanos.add(c);
            allocated.add(a);
        }
    }

    /**
     * One snapshot in flight: a decomposition per matrix (costliest first), then the step that compares
     * them with the previous snapshot and writes the result, once, after the previous snapshot's.
     *
     * <p>The worker takes the decompositions one by one, then the write. The training thread, when it
     * needs the snapshot finished, computes every decomposition that has no result yet itself: one that
     * the worker has started it waits for at most {@value #HELP_WAIT_MS} ms, since an idle-class worker on
     * a machine whose every core is busy with other work may not run again for a long time (a
     * decomposition is pure, so whichever result comes first is kept and the other dropped). A
     * snapshot's arrays go back to the pool once the write is done and no thread still reads them.
     */
    private final class Job {
        private final Snapshot snapshot;
        private final List<Part> parts = new ArrayList<>();
        private final Map<String, Part> byName = new LinkedHashMap<>();
        private final FutureTask<Void> written;
        private final java.util.concurrent.atomic.AtomicInteger readers = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicBoolean recycled = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile boolean done;

        /** @param previous the snapshot taken before this one, if still pending: written first */
        Job(Snapshot snapshot, Job previous) {
            this.snapshot = snapshot;
            for (Snapshot.Matrix m : SnapshotAnalysis.costliestFirst(snapshot)) {
                Part part = new Part(m);
                parts.add(part);
                byName.put(m.name(), part);
            }
            written = new FutureTask<>(() -> metered(() -> {
                try {
                    if (previous != null) {
                        previous.afterWritten(); // in order; nothing after a failed snapshot
                    }
                    write(assemble());
                } finally {
                    done = true;
                    if (readers.get() == 0) {
                        recycleOnce();
                    }
                }
                return null;
            }));
        }

        /** One matrix's decomposition: computed by the first thread that gets to it, or by two. */
        private final class Part {
            private final Snapshot.Matrix matrix;
            private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
            private final java.util.concurrent.atomic.AtomicReference<Object> result = new java.util.concurrent.atomic.AtomicReference<>();
            private final java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);

            Part(Snapshot.Matrix matrix) {
                this.matrix = matrix;
            }

            /** Decomposes the matrix if no thread has started to (the worker's and the analysers' way). */
            void tryRun() {
                if (!started.getAndSet(true)) {
                    compute();
                }
            }

            /**
             * Makes sure there is a result: computes it on this thread if none has started, or if the one
             * that started has not finished within {@value #HELP_WAIT_MS} ms.
             */
            void ensure() {
                if (!started.getAndSet(true)) {
                    compute();
                    return;
                }
                try {
                    if (ready.await(HELP_WAIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                compute();
            }

            /** The decomposition, computed on this thread if it has none yet; rethrows its failure. */
            SnapshotAnalysis.Decomposed get() throws IOException {
                if (result.get() == null) {
                    ensure();
                }
                Object r = result.get();
                if (r == null) { // interrupted while waiting, or the job ended meanwhile
                    throw new IOException("interrupted while analysing spectra");
                }
                if (r instanceof Throwable t) {
                    throw rethrow(t);
                }
                return (SnapshotAnalysis.Decomposed) r;
            }

            private void compute() {
                readers.incrementAndGet();
                try {
                    if (done || result.get() != null) {
                        return; // written, or computed meanwhile: the arrays may already be another snapshot's
                    }
                    Object r;
                    try {
                        r = metered(() -> SnapshotAnalysis.decompose(matrix));
                    } catch (Exception | Error e) {
                        r = e;
                    }
                    if (result.compareAndSet(null, r)) {
                        ready.countDown();
                    }
                } finally {
                    if (readers.decrementAndGet() == 0 && done) {
                        recycleOnce();
                    }
                }
            }
        }

        private void recycleOnce() {
            if (!recycled.getAndSet(true)) {
                recycle(snapshot);
            }
        }

        /** The worker's part: every decomposition no thread has started, then the write. */
        void work() {
            parts.forEach(Part::tryRun);
            written.run();
        }

        /** The training thread's part: every decomposition still without a result, then the write if free. */
        void complete() {
            parts.forEach(Part::ensure);
            written.run();
        }

        /**
         * The decompositions on this thread and every analysis thread at once, one BLAS thread each, and
         * back when all are done.
         */
        void decomposeOnEveryCore() {
            try (BlasThreads.Lease ignored = BlasThreads.singleThreaded()) {
                List<Future<?>> helpers = new ArrayList<>();
                for (int i = 0; i < analyserThreads && analysers != null; i++) {
                    helpers.add(analysers.submit(() -> parts.forEach(Part::tryRun)));
                }
                parts.forEach(Part::tryRun);
                for (Future<?> h : helpers) {
                    quietly(h); // every decomposition done before the lease ends
                }
            }
        }

        /** Waits until this snapshot is written; throws if it failed, naming it as the earlier snapshot. */
        private void afterWritten() throws IOException {
            awaitWritten(c -> new IOException("an earlier snapshot (epoch " + snapshot.epoch() + ") failed: "
                    + c.getMessage(), c));
        }

        /** Waits for the write; rethrows its failure (or a decomposition's) as it was thrown. */
        void await() throws IOException {
            awaitWritten(SpectraPipeline::rethrow);
        }

        private void awaitWritten(java.util.function.Function<Throwable, IOException> failure) throws IOException {
            try {
                written.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while writing spectra", e);
            } catch (ExecutionException e) {
                throw failure.apply(e.getCause());
            }
        }

        private AnalysedSnapshot assemble() throws IOException {
            if (!opened && resume.snapshots() > 0) {
                analysis.seed(vectors.read(resume.snapshots() - 1, snapshot));
            }
            List<SnapshotAnalysis.Decomposed> done = new ArrayList<>();
            for (Snapshot.Matrix m : snapshot.matrices()) {
                done.add(byName.get(m.name()).get());
            }
            return analysis.measure(snapshot.epoch(), done);
        }

        private static void quietly(Future<?> f) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // reported by the write, which needs every decomposition
            }
        }
    }

    /** A failure as it was thrown: IOException, unchecked exception or error. */
    private static IOException rethrow(Throwable c) {
        if (c instanceof IOException io) {
            return io;
        }
        if (c instanceof RuntimeException re) {
            throw re;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new IOException(c);
    }

    /** Appends an analysed snapshot to every sink (opening them with the first) or to none. */
    private void write(AnalysedSnapshot s) throws IOException {
        if (!opened) {
            Files.createDirectories(dir.spectra());
            for (SnapshotSink sink : sinks) {
                sink.open(s, resume);
            }
            opened = true;
        }
        appendEverywhere(s);
        analysis.commit(s);
        snapshots.incrementAndGet();
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
