package dev.grokscope.snapshot;

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
 * <p>In the background mode the analysis and writes of a snapshot run on one worker thread while
 * training goes on; at most one snapshot is pending ({@link #submit} waits for the previous one), and
 * {@link #awaitPending()} makes everything submitted written. The snapshot's matrices must be copies:
 * the pipeline owns them and frees their native memory as soon as the snapshot is written (or failed),
 * instead of leaving it to the garbage collector.
 */
public final class SpectraPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(SpectraPipeline.class);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final RunDirectory dir;
    private final SnapshotAnalysis analysis;
    private final VectorFilesSink vectors;
    private final List<SnapshotSink> sinks = new ArrayList<>();
    private final ExecutorService worker;
    private Future<?> pending;
    private SnapshotSink.Resume resume = SnapshotSink.Resume.NONE;
    private boolean opened;
    private long nanos;
    private long cpuNanos;
    private long allocated;
    private int snapshots;

    /**
     * @param chains matrices where each feeds the next (in x out), for {@code align_next}
     * @param background analyse and write on a worker thread
     * @param extraSinks further consumers, called after the files and before epochs.npy
     */
    public SpectraPipeline(RunDirectory dir, List<List<String>> chains, boolean background,
                           List<SnapshotSink> extraSinks) {
        this.dir = dir;
        this.analysis = new SnapshotAnalysis(chains);
        this.vectors = new VectorFilesSink(dir.spectra());
        sinks.add(new SpectraCsvSink(dir.spectraCsv()));
        sinks.add(new SingularValuesSink(dir));
        sinks.add(vectors);
        sinks.addAll(extraSinks);
        sinks.add(new EpochsSink(dir.spectra().resolve(RunDirectory.EPOCHS)));
        this.worker = background ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "grokscope-spectra");
            t.setDaemon(true);
            return t;
        }) : null;
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
        if (worker == null) {
            record(epoch, copies);
        } else {
            pending = worker.submit(() -> {
                record(epoch, copies);
                return null;
            });
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
                            + "allocated each", snapshots,
                    String.format(java.util.Locale.ROOT, "%.1f", msPerSnapshot()),
                    String.format(java.util.Locale.ROOT, "%.1f", cpuMsPerSnapshot()),
                    String.format(java.util.Locale.ROOT, "%.2f", allocatedMbPerSnapshot()));
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first != null) {
            throw (RuntimeException) first;
        }
    }

    /** Mean wall time of one snapshot's analysis and writes in this session, ms; NaN before the first. */
    public double msPerSnapshot() {
        return snapshots == 0 ? Double.NaN : nanos / 1e6 / snapshots;
    }

    /**
     * Mean CPU time of the thread that analysed and wrote one snapshot, ms; NaN before the first. (BLAS
     * threads that LAPACK may start are not counted; with OMP_NUM_THREADS=1 there are none.)
     */
    public double cpuMsPerSnapshot() {
        return snapshots == 0 ? Double.NaN : cpuNanos / 1e6 / snapshots;
    }

    /**
     * Mean Java heap allocated by the thread that analysed and wrote one snapshot, MB; NaN before the
     * first. Heap garbage matters beyond its collection: the run's full collections for ND4J's native
     * memory are triggered by heap growth ({@link dev.grokscope.backend.NativeMemory}).
     */
    public double allocatedMbPerSnapshot() {
        return snapshots == 0 ? Double.NaN : allocated / 1e6 / snapshots;
    }

    private void record(int epoch, Map<String, INDArray> copies) throws IOException {
        try {
            analyseAndWrite(epoch, copies);
        } finally {
            copies.values().forEach(INDArray::close);
        }
    }

    private void analyseAndWrite(int epoch, Map<String, INDArray> copies) throws IOException {
        long t0 = System.nanoTime();
        long c0 = THREADS.getCurrentThreadCpuTime();
        long a0 = THREADS.getCurrentThreadAllocatedBytes();
        if (!opened && resume.snapshots() > 0) {
            analysis.seed(vectors.read(resume.snapshots() - 1, copies));
        }
        AnalysedSnapshot s = analysis.analyse(epoch, copies);
        if (!opened) {
            Files.createDirectories(dir.spectra());
            for (SnapshotSink sink : sinks) {
                sink.open(s, resume);
            }
            opened = true;
        }
        write(s);
        analysis.commit(s);
        nanos += System.nanoTime() - t0;
        cpuNanos += THREADS.getCurrentThreadCpuTime() - c0;
        allocated += THREADS.getCurrentThreadAllocatedBytes() - a0;
        snapshots++;
    }

    private void write(AnalysedSnapshot s) throws IOException {
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
