package dev.grokscope.snapshot;

import dev.grokscope.results.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code spectra/epochs.npy}: the epoch of every snapshot. {@link SpectraPipeline} appends it after every
 * other sink, so its length counts whole snapshots (what resuming and readers of growing runs rely on).
 */
public final class EpochsSink implements SnapshotSink {
    private final Path file;
    private Npy.NpyAppender epochs;
    private long before;

    public EpochsSink(Path file) {
        this.file = file;
    }

    /** The number of snapshots up to {@code afterEpoch} in an existing epochs file (0 if absent). */
    static int snapshotsUpTo(Path file, int afterEpoch) {
        if (!Files.exists(file)) {
            return 0;
        }
        double[] had = Npy.read(file).data();
        int keep = 0;
        while (keep < had.length && had[keep] <= afterEpoch) {
            keep++;
        }
        return keep;
    }

    @Override
    public void open(AnalysedSnapshot first, Resume resume) throws IOException {
        epochs = resume.resuming() && Files.exists(file) ? Npy.NpyAppender.reopen(file, 1, resume.snapshots())
                : Npy.NpyAppender.createVector(file);
    }

    @Override
    public void append(AnalysedSnapshot snapshot) throws IOException {
        before = epochs.rows();
        epochs.append(new double[] {snapshot.epoch()});
    }

    @Override
    public void undo() throws IOException {
        epochs.truncate(before);
    }

    @Override
    public void close() throws IOException {
        if (epochs != null) {
            epochs.close();
        }
    }
}
