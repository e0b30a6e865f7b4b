package dev.grokscope.snapshot;

import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.SpectralMetrics;
import dev.grokscope.spectra.Spectrum;
import dev.grokscope.spectra.Svd;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The analysis stage: a snapshot's matrices to their verified spectra ({@link SingularValues#spectrum}:
 * every singular value and the leading {@value VectorDynamics#K} triplets, one decomposition per matrix
 * from which everything else is derived), spectral metrics ({@link SpectralMetrics}) and vector dynamics
 * against the previous snapshot ({@link VectorDynamics}).
 *
 * <p>Two steps. {@link #decompose} depends on one matrix alone, so a snapshot's matrices may be
 * decomposed on several threads at once, in any order ({@link #costliestFirst} is the order that
 * finishes soonest on several threads); {@link #measure} then compares them, in the network's order, with
 * the previous snapshot.
 */
public final class SnapshotAnalysis {
    private final VectorDynamics dynamics;

    /** @param chains matrices where each feeds the next (in x out), for {@code align_next}; may be empty */
    public SnapshotAnalysis(List<List<String>> chains) {
        this.dynamics = new VectorDynamics(chains);
    }

    /** A matrix's spectrum and its metrics: the part of the analysis that depends on that matrix alone. */
    record Decomposed(String name, Spectrum spectrum, SpectralMetrics metrics) {
    }

    /** Spectrum and metrics of one matrix (finite). */
    static Decomposed decompose(Snapshot.Matrix m) {
        Spectrum s = SingularValues.spectrum(m.values(), m.rows(), m.cols(), VectorDynamics.K);
        return new Decomposed(m.name(), s, SpectralMetrics.of(s.values(), s.rows(), s.cols()));
    }

    /**
     * The matrices in decreasing order of their decomposition's cost (~ m n k + k^3, k = min(m, n)), so that
     * threads taking them one at a time end close together.
     */
    static List<Snapshot.Matrix> costliestFirst(Snapshot s) {
        List<Snapshot.Matrix> order = new ArrayList<>(s.matrices());
        order.sort(Comparator.comparingDouble(SnapshotAnalysis::cost).reversed());
        return order;
    }

    private static double cost(Snapshot.Matrix m) {
        double k = Math.min(m.rows(), m.cols());
        return (double) m.rows() * m.cols() * k + k * k * k;
    }

    /** Analyses a snapshot (every matrix finite) on this thread. */
    public AnalysedSnapshot analyse(Snapshot snapshot) {
        List<Decomposed> done = new ArrayList<>();
        for (Snapshot.Matrix m : snapshot.matrices()) {
            done.add(decompose(m));
        }
        return measure(snapshot.epoch(), done);
    }

    /** The vector dynamics of decomposed matrices (in the network's order) against the previous snapshot. */
    AnalysedSnapshot measure(int epoch, List<Decomposed> done) {
        Map<String, Svd> tops = new LinkedHashMap<>();
        done.forEach(d -> tops.put(d.name(), d.spectrum().top()));
        List<AnalysedMatrix> out = new ArrayList<>();
        for (Decomposed d : done) {
            Double[] v = dynamics.measure(d.name(), tops);
            out.add(new AnalysedMatrix(d.name(), d.spectrum(), d.metrics(), v[0], v[1]));
        }
        return new AnalysedSnapshot(epoch, out);
    }

    /** The snapshot was written: vector dynamics compare the next one with it. */
    public void commit(AnalysedSnapshot snapshot) {
        Map<String, Svd> tops = new LinkedHashMap<>();
        for (AnalysedMatrix m : snapshot.matrices()) {
            tops.put(m.name(), m.spectrum().top());
        }
        dynamics.commit(tops);
    }

    /** When resuming: the last written snapshot's leading triplets, so {@code sva_prev} continues. */
    void seed(Map<String, Svd> previous) {
        dynamics.seed(previous);
    }
}
