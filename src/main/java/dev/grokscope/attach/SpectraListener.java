package dev.grokscope.attach;

import dev.grokscope.snapshot.SnapshotSink;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * grokscope's spectra for any Deeplearning4j {@link MultiLayerNetwork} or {@link ComputationGraph}: a
 * {@link org.deeplearning4j.optimize.api.TrainingListener} that snapshots every weight matrix on a
 * cadence and writes the same files as a grokscope run (spectra.csv, {@code spectra/<matrix>.npy},
 * {@code spectra/epochs.npy}, the singular-vector files, run.json, and at {@link #close()}
 * {@code weights/final/}), analysed on a background thread.
 * <pre>
 * SpectraListener spectra = new SpectraListener(net, Path.of("runs/cnn"), Cadence.epochs(1));
 * net.addListeners(spectra);
 * net.fit(trainIterator, 30);
 * spectra.close();                      // waits for the last snapshot; run.json says completed
 * </pre>
 * then {@code grokscope report runs/cnn}. The initial weights are snapshot 0, taken here.
 *
 * <p>Names: {@code <layer name>.<parameter>}, e.g. {@code dense_1.W}, {@code conv1.W}, {@code lstm.RW};
 * a MultiLayerNetwork layer without a name (DL4J's default {@code layer0}, ...) is {@code layers.<index>}, as
 * in grokscope's own MLP. Only the parameters the layer's
 * initializer calls weights are taken (no biases, no batch-norm statistics); convolution kernels are
 * reshaped to (in kh kw) x out ({@link Kernels}). Epochs count from the model's epoch count when the
 * listener is made; DL4J fires epoch events only from {@code fit(DataSetIterator)} (or
 * {@code MultiDataSetIterator}). Weights with NaN or Inf entries are not analysed (a warning is
 * logged, that snapshot skipped).
 */
public final class SpectraListener extends BaseTrainingListener implements AutoCloseable {
    private final AttachedRun run;
    private int epoch;
    private int iteration;

    /** A snapshot every epoch/iteration per {@code cadence}, analysed in the background. */
    public SpectraListener(Model model, Path dir, Cadence cadence) {
        this(model, dir, cadence, List.of());
    }

    /**
     * @param extraSinks further consumers of every analysed snapshot
     * @throws IllegalArgumentException if the model is not a MultiLayerNetwork or ComputationGraph, has no
     *     weight matrices, the cadence is null, or {@code dir} cannot be created or written
     * @throws dev.grokscope.BadInputException if {@code dir} exists and is not empty
     */
    public SpectraListener(Model model, Path dir, Cadence cadence, List<SnapshotSink> extraSinks) {
        List<Layer> layers = layers(model);
        this.epoch = model instanceof MultiLayerNetwork m ? m.getEpochCount()
                : ((ComputationGraph) model).getConfiguration().getEpochCount();
        this.iteration = model instanceof MultiLayerNetwork m ? m.getIterationCount()
                : ((ComputationGraph) model).getConfiguration().getIterationCount();
        this.run = new AttachedRun(dir, cadence, () -> matrices(layers), chains(matrices(layers)),
                model.getClass().getName(), true, extraSinks);
    }

    @Override
    public void iterationDone(Model model, int iter, int ep) {
        run.tick(Cadence.Unit.ITERATION, ++iteration);
    }

    @Override
    public void onEpochEnd(Model model) {
        run.tick(Cadence.Unit.EPOCH, ++epoch);
    }

    /** Waits until every snapshot taken so far is written (rethrows a failed write). */
    public void await() throws IOException {
        run.await();
    }

    /** Mean wall and CPU (analysis thread) ms per snapshot so far: {wall, cpu}. */
    public double[] msPerSnapshot() {
        return run.msPerSnapshot();
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

    private static List<Layer> layers(Model model) {
        if (model instanceof MultiLayerNetwork m) {
            return List.of(m.getLayers());
        }
        if (model instanceof ComputationGraph g) {
            return List.of(g.getLayers());
        }
        throw new IllegalArgumentException("spectra listener: expected a MultiLayerNetwork or ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    /** Copies of every weight matrix, by stable name, in layer order. */
    static Map<String, INDArray> matrices(List<Layer> layers) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            String given = conf.getLayerName();
            boolean unnamed = given == null || given.isEmpty() || given.equals(String.valueOf(i))
                    || given.equals("layer" + i); // DL4J's defaults for a MultiLayerNetwork
            String name = unnamed ? "layers." + i : given;
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                if (conf.initializer().isWeightParam(conf, p.getKey()) && Kernels.isMatrix(p.getValue())) {
                    out.put(name + "." + p.getKey(), Kernels.dl4j(p.getValue()));
                }
            }
        }
        return out;
    }

    /** Consecutive plain (non-kernel) matrices whose shapes chain (cols of one = rows of the next). */
    static List<List<String>> chains(Map<String, INDArray> matrices) {
        List<List<String>> chains = new ArrayList<>();
        List<String> current = new ArrayList<>();
        INDArray prev = null;
        for (Map.Entry<String, INDArray> e : matrices.entrySet()) {
            if (prev != null && prev.columns() == e.getValue().rows() && !current.isEmpty()) {
                current.add(e.getKey());
            } else {
                if (current.size() > 1) {
                    chains.add(current);
                }
                current = new ArrayList<>(List.of(e.getKey()));
            }
            prev = e.getValue();
        }
        if (current.size() > 1) {
            chains.add(current);
        }
        return chains;
    }
}
