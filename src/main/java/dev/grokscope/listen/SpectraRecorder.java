package dev.grokscope.listen;

import dev.grokscope.results.RunDirectory;
import dev.grokscope.snapshot.Snapshot;
import dev.grokscope.snapshot.SnapshotSink;
import dev.grokscope.snapshot.SpectraPipeline;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;

import java.io.IOException;
import java.util.List;

/**
 * Snapshots every weight matrix every {@code every} epochs (and at epoch 0 and the last) and hands the
 * copies ({@link Snapshot}) to a {@link SpectraPipeline}, which analyses and writes them (spectra.csv,
 * {@code spectra/}).
 * Weights that are not finite are not analysed: the run is stopped as diverged instead. A resumed run
 * keeps the snapshots up to its checkpoint and continues after it.
 */
public final class SpectraRecorder implements TrainingListener {
    private final RunDirectory dir;
    private final int every;
    private final boolean background;
    private final List<SnapshotSink> extraSinks;
    private SpectraPipeline pipeline;
    private int lastRecorded = -1;

    public SpectraRecorder(RunDirectory dir, int every) {
        this(dir, every, false);
    }

    /**
     * @param background compute and write each snapshot on one worker thread, in order, while training
     *     continues; at most one snapshot is pending, and {@link #awaitPending()} (called before every
     *     checkpoint and at the end) makes everything up to the current epoch written
     */
    public SpectraRecorder(RunDirectory dir, int every, boolean background) {
        this(dir, every, background, List.of());
    }

    /** @param extraSinks further consumers of every analysed snapshot (e.g. an online detector) */
    public SpectraRecorder(RunDirectory dir, int every, boolean background, List<SnapshotSink> extraSinks) {
        if (every < 1) {
            throw new IllegalArgumentException("spectra cadence must be >= 1 epoch, got " + every);
        }
        this.dir = dir;
        this.every = every;
        this.background = background;
        this.extraSinks = List.copyOf(extraSinks);
    }

    /** Waits for the snapshot being computed in the background, if any; rethrows its failure. */
    public void awaitPending() throws IOException {
        if (pipeline != null) {
            pipeline.awaitPending();
        }
    }

    @Override
    public void onStart(TrainingContext ctx) {
        lastRecorded = ctx.resumedAfter() == 0 ? -1 : ctx.resumedAfter();
        pipeline = new SpectraPipeline(dir, ctx.network().chains(), background, extraSinks);
        pipeline.start(ctx.resumedAfter());
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) throws IOException {
        if (ctx.stopStatus() == RunStatus.DIVERGED || !(ctx.epoch() % every == 0 || ctx.isLast())) {
            return;
        }
        Snapshot snapshot = pipeline.take(ctx.epoch(), ctx.network().matrices());
        if (snapshot.nonFinite() != null) {
            ctx.requestStop(RunStatus.DIVERGED, snapshot.nonFinite() + " has NaN or infinite entries at epoch "
                    + ctx.epoch());
            return;
        }
        if (ctx.epoch() <= lastRecorded) {
            return;
        }
        lastRecorded = ctx.epoch();
        pipeline.submit(snapshot);
    }

    /** What a snapshot cost training's wall time in this session, ms ({@link SpectraPipeline#msPerSnapshot()}). */
    public double msPerSnapshot() {
        return pipeline == null ? Double.NaN : pipeline.msPerSnapshot();
    }

    /** A snapshot's analysis and writes in CPU time, ms ({@link SpectraPipeline#cpuMsPerSnapshot()}). */
    public double cpuMsPerSnapshot() {
        return pipeline == null ? Double.NaN : pipeline.cpuMsPerSnapshot();
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) throws IOException {
        if (pipeline != null) {
            pipeline.finish(status == RunStatus.COMPLETED || status == RunStatus.DIVERGED);
        }
    }
}
