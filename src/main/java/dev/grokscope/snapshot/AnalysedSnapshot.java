package dev.grokscope.snapshot;

import java.util.List;

/**
 * Every weight matrix of one snapshot, analysed, in the network's fixed order.
 *
 * @param epoch the snapshot's position in training (an epoch, or an iteration for an
 *     iteration cadence; it is what spectra.csv's {@code epoch} column and epochs.npy hold)
 * @param matrices one entry per weight matrix
 */
public record AnalysedSnapshot(int epoch, List<AnalysedMatrix> matrices) {
    public AnalysedSnapshot {
        matrices = List.copyOf(matrices);
    }

    /** The matrix called {@code name}, or null. */
    public AnalysedMatrix matrix(String name) {
        for (AnalysedMatrix m : matrices) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        return null;
    }
}
