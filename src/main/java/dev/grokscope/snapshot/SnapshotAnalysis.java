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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The analysis stage: a snapshot's matrices to their verified spectra ({@link SingularValues#spectrum}:
 * every singular value and the leading {@value VectorDynamics#K} triplets, one decomposition per matrix
 * from which everything else is derived), spectral metrics ({@link SpectralMetrics}) and vector dynamics
 * against the previous snapshot ({@link VectorDynamics}). Each matrix's spectrum and metrics depend on
 * that matrix alone, so they may be computed on several threads at once; the vector dynamics then
 * compare them in order.
 */
public final class SnapshotAnalysis {
    private final VectorDynamics dynamics;

    /** @param chains matrices where each feeds the next (in x out), for {@code align_next}; may be empty */
    public SnapshotAnalysis(List<List<String>> chains) {
        this.dynamics = new VectorDynamics(chains);
    }

    /** A matrix's spectrum and its metrics. */
    private record Decomposed(Spectrum spectrum, SpectralMetrics metrics) {
        static Decomposed of(INDArray w) {
            Spectrum s = SingularValues.spectrum(w, VectorDynamics.K);
            return new Decomposed(s, SpectralMetrics.of(s.values(), s.rows(), s.cols()));
        }
    }

    /** Analyses copies of the matrices (2-D, finite; any dtype or order) taken at {@code epoch}, on this thread. */
    public AnalysedSnapshot analyse(int epoch, Map<String, INDArray> matrices) {
        Map<String, Decomposed> done = new LinkedHashMap<>();
        matrices.forEach((name, w) -> done.put(name, Decomposed.of(w)));
        return measure(epoch, done);
    }

    /**
     * {@link #analyse(int, Map)} with the matrices decomposed on {@code threads}, all at once; the first
     * failure (in matrix order) is rethrown. Waits for them all.
     */
    public AnalysedSnapshot analyse(int epoch, Map<String, INDArray> matrices, ExecutorService threads) {
        Map<String, Future<Decomposed>> futures = new LinkedHashMap<>();
        matrices.forEach((name, w) -> futures.put(name, threads.submit(() -> Decomposed.of(w))));
        Map<String, Decomposed> done = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<String, Future<Decomposed>> e : futures.entrySet()) {
            try {
                done.put(e.getKey(), e.getValue().get());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new IllegalStateException("interrupted while analysing spectra", ex);
            } catch (ExecutionException ex) {
                if (ex.getCause() instanceof Error err) {
                    throw err;
                }
                failure = failure != null ? failure : ex.getCause() instanceof RuntimeException re ? re
                        : new IllegalStateException(ex.getCause());
            }
        }
        if (failure != null) {
            throw failure;
        }
        return measure(epoch, done);
    }

    private AnalysedSnapshot measure(int epoch, Map<String, Decomposed> done) {
        Map<String, Svd> tops = new LinkedHashMap<>();
        done.forEach((name, d) -> tops.put(name, d.spectrum().top()));
        List<AnalysedMatrix> out = new ArrayList<>();
        done.forEach((name, d) -> {
            Double[] v = dynamics.measure(name, tops);
            out.add(new AnalysedMatrix(name, d.spectrum(), d.metrics(), v[0], v[1]));
        });
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
