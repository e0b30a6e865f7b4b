package dev.grokscope.snapshot;

import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.SpectralMetrics;
import dev.grokscope.spectra.Spectrum;
import dev.grokscope.spectra.Svd;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The analysis stage: a snapshot's matrices to their verified spectra ({@link SingularValues#spectrum}:
 * every singular value and the leading {@value VectorDynamics#K} triplets, one decomposition per matrix
 * from which everything else is derived), spectral metrics ({@link SpectralMetrics}) and vector dynamics
 * against the previous snapshot ({@link VectorDynamics}).
 */
public final class SnapshotAnalysis {
    private final VectorDynamics dynamics;

    /** @param chains matrices where each feeds the next (in x out), for {@code align_next}; may be empty */
    public SnapshotAnalysis(List<List<String>> chains) {
        this.dynamics = new VectorDynamics(chains);
    }

    /** Analyses copies of the matrices (2-D, finite; any dtype or order) taken at {@code epoch}. */
    public AnalysedSnapshot analyse(int epoch, Map<String, INDArray> matrices) {
        Map<String, Spectrum> spectra = new LinkedHashMap<>();
        Map<String, Svd> tops = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : matrices.entrySet()) {
            Spectrum s = SingularValues.spectrum(e.getValue(), VectorDynamics.K);
            spectra.put(e.getKey(), s);
            tops.put(e.getKey(), s.top());
        }
        List<AnalysedMatrix> out = new ArrayList<>();
        for (Map.Entry<String, Spectrum> e : spectra.entrySet()) {
            Spectrum s = e.getValue();
            Double[] d = dynamics.measure(e.getKey(), tops);
            out.add(new AnalysedMatrix(e.getKey(), s, SpectralMetrics.of(s.values(), s.rows(), s.cols()), d[0], d[1]));
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
