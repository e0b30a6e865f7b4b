package dev.grokscope.snapshot;

import java.io.IOException;

/**
 * A consumer of analysed snapshots: a file it writes (spectra.csv, {@code spectra/<matrix>.npy}, ...) or
 * an online rule that watches the spectra. {@link SpectraPipeline} calls it on one thread, in this
 * order: {@link #open} once, before the first snapshot of a session; {@link #append} for every snapshot,
 * in training order; {@link #undo} if a later sink failed to take the same snapshot; {@link #finish} at
 * the end of training; {@link #close} last (also after a failure).
 *
 * <p>A new output or detector is one class implementing this; hand it to
 * {@code SpectraRecorder}/the {@code attach} listeners through their {@code extraSinks}.
 */
public interface SnapshotSink extends AutoCloseable {
    /**
     * Before the first snapshot of this session: create the sink's files, or, when {@code resume} says
     * the run continues from a checkpoint, keep what it wrote for the first {@link Resume#snapshots()}
     * snapshots (those up to {@link Resume#afterEpoch()}) and drop the rest.
     *
     * @param first the first snapshot (not yet appended), for shapes and names
     */
    void open(AnalysedSnapshot first, Resume resume) throws IOException;

    /** Takes one snapshot (written whole, or throws). */
    void append(AnalysedSnapshot snapshot) throws IOException;

    /**
     * Undoes the last {@link #append}, whole or partial: this or another sink failed to take the same
     * snapshot, and every sink must have it or none. Called at most once per append, right after it.
     */
    void undo() throws IOException;

    /**
     * Training has ended. {@code complete} is true when the run will not continue (it completed or
     * diverged) and false when it may be resumed (interrupted, failed).
     */
    default void finish(boolean complete) throws IOException {
    }

    @Override
    void close() throws IOException;

    /**
     * Where a session starts.
     *
     * @param afterEpoch the checkpoint epoch a resumed run continues after, 0 for a new run
     * @param snapshots the number of whole snapshots written up to it (epochs.npy's entries <= afterEpoch)
     */
    record Resume(int afterEpoch, int snapshots) {
        /** A new run. */
        public static final Resume NONE = new Resume(0, 0);

        public boolean resuming() {
            return afterEpoch > 0;
        }
    }
}
