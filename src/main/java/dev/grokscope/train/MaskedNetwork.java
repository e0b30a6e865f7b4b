package dev.grokscope.train;

import dev.grokscope.config.Loss;
import dev.grokscope.data.ModularDataset;
import dev.grokscope.model.Mlp;
import dev.grokscope.model.Network;
import dev.grokscope.model.Objectives;
import dev.grokscope.results.Npy;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network trained under a fixed 0/1 mask (a lottery ticket): after construction and after every
 * optimiser step the masked matrices are multiplied by their masks (plus 0, so that they hold +0.0,
 * not -0.0), and the optimiser's per-entry
 * state (Adam's moments, momentum) of the masked-out entries is set to zero, so that a masked weight
 * is exactly zero after every step and its optimiser state never carries a gradient it was not
 * allowed to follow. Every other call goes to the wrapped network.
 *
 * <p>Optimiser state comes in two layouts: per parameter ({@code <name>/M}, {@code <name>/V},
 * {@code <name>/velocity}, shaped like the parameter: the SameDiff transformer's), and DL4J's one flat
 * updater array for the MLP, split into updater blocks each covering a range of the flattened
 * parameter vector. For the latter, the mask is laid out like the flattened parameters by assigning it
 * into the network's own parameter views (so no layout is assumed), and each block's state arrays are
 * multiplied by their range of it.
 */
public final class MaskedNetwork implements Network {
    private final Network inner;
    private final Map<String, INDArray> masks = new LinkedHashMap<>();
    private final List<INDArray[]> moments = new ArrayList<>();
    private INDArray flatMask;

    /**
     * Wraps {@code network} and applies {@code masks} (by matrix name, shaped like the matrices) at once.
     *
     * @throws IllegalArgumentException when a mask names no parameter of the network or has another shape
     */
    public MaskedNetwork(Network network, Map<String, Npy.Array> masks) {
        this.inner = network;
        Map<String, INDArray> params = network.parameters();
        masks.forEach((name, m) -> {
            INDArray w = params.get(name);
            if (w == null || w.length() != m.data().length) {
                throw new IllegalArgumentException("mask " + name + " does not fit the network's parameters " + params.keySet());
            }
            this.masks.put(name, Nd4j.create(m.data(), w.shape(), 'c').castTo(w.dataType()));
        });
        masks.forEach((name, m) -> {
            INDArray mask = this.masks.get(name);
            for (String suffix : new String[] {"/M", "/V", "/velocity"}) {
                INDArray s = network.optimizerState().get(name + suffix);
                if (s != null) {
                    moments.add(new INDArray[] {s, mask});
                }
            }
        });
        if (network instanceof Mlp mlp) {
            flatMask = flatMask(mlp.dl4j());
        }
        apply();
    }

    /** The masks, as live arrays of the network's dtype (copy before keeping). */
    public Map<String, INDArray> masks() {
        return java.util.Collections.unmodifiableMap(masks);
    }

    /** Multiplies the masked matrices and their optimiser state by the masks. */
    public void apply() {
        Map<String, INDArray> params = inner.parameters();
        masks.forEach((name, m) -> params.get(name).muli(m).addi(0.0)); // + 0: -0.0 becomes 0.0
        for (INDArray[] sm : moments) {
            sm[0].muli(sm[1]).addi(0.0);
        }
        if (flatMask != null) {
            MultiLayerNetwork net = ((Mlp) inner).dl4j();
            if (net.getUpdater().getStateViewArray() != null) {
                for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) net.getUpdater()).getUpdaterBlocks()) {
                    if (b.getGradientUpdater() == null) {
                        continue;
                    }
                    INDArray range = flatMask.get(NDArrayIndex.interval(b.getParamOffsetStart(), b.getParamOffsetEnd()));
                    @SuppressWarnings("unchecked")
                    Map<String, INDArray> state = b.getGradientUpdater().getState();
                    for (INDArray s : state.values()) {
                        s.muli(range.reshape(s.shape())).addi(0.0);
                    }
                }
            }
        }
    }

    /** The mask laid out as the network's flattened parameter vector (1 for unmasked parameters). */
    private INDArray flatMask(MultiLayerNetwork net) {
        INDArray flat = net.params();
        INDArray saved = flat.dup();
        try {
            Map<String, INDArray> params = inner.parameters();
            params.forEach((name, w) -> w.assign(masks.containsKey(name) ? masks.get(name) : Nd4j.onesLike(w)));
            return flat.dup().reshape(flat.length());
        } finally {
            flat.assign(saved);
        }
    }

    @Override
    public void step(INDArray features, INDArray targets) {
        inner.step(features, targets);
        apply();
    }

    @Override
    public INDArray features(ModularDataset data) {
        return inner.features(data);
    }

    @Override
    public INDArray output(INDArray features) {
        return inner.output(features);
    }

    @Override
    public Objectives.OutputKind outputKind() {
        return inner.outputKind();
    }

    @Override
    public Loss loss() {
        return inner.loss();
    }

    @Override
    public Map<String, INDArray> matrices() {
        return inner.matrices();
    }

    @Override
    public Map<String, INDArray> parameters() {
        return inner.parameters();
    }

    @Override
    public long steps() {
        return inner.steps();
    }

    @Override
    public Map<String, INDArray> optimizerState() {
        return inner.optimizerState();
    }

    @Override
    public void restoreSteps(long steps) {
        inner.restoreSteps(steps);
    }

    @Override
    public List<List<String>> chains() {
        return inner.chains();
    }

    @Override
    public long parameterCount() {
        return inner.parameterCount();
    }
}
