package dev.grokscope.listen;

import dev.grokscope.results.Npy;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * At the end of a run writes every weight matrix to {@code weights/final/<name>.npy}: float64 (exact for
 * float32 weights), C order, in the network's own orientation.
 */
public final class FinalWeightsWriter implements TrainingListener {
    private final Path dir;

    public FinalWeightsWriter(Path dir) {
        this.dir = dir;
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) throws IOException {
        if (status == RunStatus.FAILED || status == RunStatus.INTERRUPTED) {
            return; // not an end state: failed mid-step, or to be resumed
        }
        Files.createDirectories(dir);
        for (Map.Entry<String, INDArray> m : ctx.network().matrices().entrySet()) {
            INDArray w = m.getValue().dup('c').castTo(DataType.DOUBLE);
            double[][] rows = w.toDoubleMatrix();
            Npy.writeFloat64(dir.resolve(m.getKey() + ".npy"), rows);
        }
    }
}
