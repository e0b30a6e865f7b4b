package dev.grokscope.attach;

import dev.grokscope.snapshot.SnapshotSink;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.ListenerResponse;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.listeners.records.LossCurve;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * grokscope's spectra for a SameDiff graph trained with {@code sd.fit(...)}: a {@link BaseListener}
 * that snapshots every trainable variable of rank >= 2 on a cadence and writes the same files as a
 * grokscope run, analysed on a background thread. Matrices are named by their variable names; a
 * variable of rank > 2 (a convolution kernel [kh, kw, in, out]) is reshaped to (kh kw in) x out
 * ({@link Kernels}). No chains are assumed (a graph's variables need not feed one another in order),
 * so {@code align_next} stays empty. Epoch events fire from {@code sd.fit(iterator, epochs, ...)};
 * call {@link #close()} after training. The initial weights are snapshot 0, taken here.
 */
public final class SameDiffSpectraListener extends BaseListener implements AutoCloseable {
    private final AttachedRun run;
    private int epoch;
    private int iteration;

    public SameDiffSpectraListener(SameDiff sd, Path dir, Cadence cadence) {
        this(sd, dir, cadence, List.of());
    }

    /**
     * @throws IllegalArgumentException if the graph has no trainable variable of rank >= 2, the cadence is
     *     null, or {@code dir} cannot be created or written
     * @throws dev.grokscope.BadInputException if {@code dir} exists and is not empty
     */
    public SameDiffSpectraListener(SameDiff sd, Path dir, Cadence cadence, List<SnapshotSink> extraSinks) {
        if (sd == null) {
            throw new IllegalArgumentException("spectra listener: the SameDiff graph must not be null");
        }
        this.run = new AttachedRun(dir, cadence, () -> matrices(sd), List.of(), SameDiff.class.getName(), true,
                extraSinks);
    }

    @Override
    public boolean isActive(Operation operation) {
        return operation == Operation.TRAINING;
    }

    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        run.tick(Cadence.Unit.ITERATION, ++iteration);
    }

    @Override
    public ListenerResponse epochEnd(SameDiff sd, At at, LossCurve lossCurve, long epochTimeMillis) {
        run.tick(Cadence.Unit.EPOCH, ++epoch);
        return ListenerResponse.CONTINUE;
    }

    /** Waits until every snapshot taken so far is written (rethrows a failed write). */
    public void await() throws IOException {
        run.await();
    }

    /** The run directory. */
    public Path directory() {
        return run.directory().root();
    }

    /** Writes what is pending and the end-of-run files, and marks run.json completed. Idempotent. */
    @Override
    public void close() throws IOException {
        run.close();
    }

    /** Copies of every trainable variable of rank >= 2, by variable name. */
    static Map<String, INDArray> matrices(SameDiff sd) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() == VariableType.VARIABLE && Kernels.isMatrix(v.getArr())) {
                out.put(v.name(), Kernels.sameDiff(v.getArr()));
            }
        }
        return out;
    }
}
