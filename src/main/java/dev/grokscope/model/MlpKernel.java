package dev.grokscope.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The forward and backward pass of {@link Mlp}'s {@link MultiLayerNetwork}, written by hand for its
 * one-hot input, with DL4J's own updater applying the step: the fast path of {@link Mlp}.
 *
 * <p>The input x = [onehot(a), onehot(b)] (width 2p), so the first layer's pre-activation
 * {@code x U + c} is the row gather {@code U[a] + U[p + b] + c} (what the dense product computes, to the
 * bit: every other term is an exact zero; a loop over the native buffers), and its weight gradient {@code x^T dH} is a scatter-add of
 * the rows of dH into rows a and p + b (a segment sum). DL4J computes both as dense products with the
 * 2p-wide one-hot matrix, plus the gradient with respect to the input, which nothing reads: for the
 * quickstart about two thirds of a step's FLOPs. The other layers, the activations and the loss are
 * DL4J's own objects and formulas (its {@code IActivation} and {@code ILossFunction}), so the numerics
 * are DL4J's up to the summation order of the first layer's gradient.
 *
 * <p>The gradients (summed over the batch, as DL4J's backpropagation leaves them) are written into the
 * network's flat gradient view and handed to the network's updater exactly as {@code fit} does
 * ({@code Updater.update}: division by the batch size, Adam, decoupled weight decay; then
 * {@code params -= update} and one more iteration): parameters, updater state, iteration count and so
 * checkpoints and resume are the network's, unchanged. MlpTest checks steps against {@code fit}.
 *
 * <p>Threads: with more than one shard ({@link Shards}) a batch's rows are split over the shards, each
 * computing its rows' gradients (summed over its rows, as DL4J leaves them) into its own flat array of the
 * network's gradient layout on its own thread at one BLAS thread; shard 0 writes into the network's own
 * gradient view and the others are added to it in shard order, so the sum (and the step) does not depend
 * on thread timing. It differs from one shard's by the rounding of another summation order (MlpTest:
 * 1e-12 in float64); outputs are the same numbers. One shard is the kernel as it was.
 *
 * <p>Memory: activations live in buffers allocated once per batch size and shard; temporaries of a pass
 * are in a per-thread workspace reset after each pass.
 */
final class MlpKernel {
    private static final WorkspaceConfiguration SCRATCH = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    private static final String SCRATCH_ID = "grokscope-mlp";
    private static final int MAX_BUFFER_SETS = 4;

    private final MultiLayerNetwork net;
    private final int p;
    private final int layers;
    private final boolean bias;
    private final DataType t;
    private final IActivation[] activations;
    private final ILossFunction lossFn;
    private final Shards shards;
    private final Lane[] lanes;
    private final Shards.RowViews featureViews = new Shards.RowViews();
    private final Shards.RowViews labelViews = new Shards.RowViews();
    /** The first layer's weights in c order, refreshed before every pass (its gather reads rows). */
    private final INDArray firstLayer;

    /** @param shards threads a batch is split over, >= 1 */
    MlpKernel(MultiLayerNetwork net, int p, boolean bias, DataType t, int shards) {
        this.net = net;
        this.p = p;
        this.layers = net.getnLayers();
        this.bias = bias;
        this.t = t;
        activations = new IActivation[layers];
        for (int i = 0; i < layers; i++) {
            activations[i] = ((BaseLayer) net.getLayer(i).conf().getLayer()).getActivationFn();
        }
        lossFn = ((BaseOutputLayer) net.getLayer(layers - 1).conf().getLayer()).getLossFn();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (net.getGradientsViewArray() == null) {
                net.initGradientsView();
            }
            net.getUpdater(); // created now, outside the kernel's workspace
            firstLayer = weight(0).dup('c');
        }
        this.shards = new Shards(shards, "grokscope-mlp-shard");
        lanes = new Lane[shards];
        for (int s = 0; s < shards; s++) {
            lanes[s] = new Lane(s == 0 ? net.getGradientsViewArray() : null);
        }
    }

    int shards() {
        return lanes.length;
    }

    /**
     * What one shard computes with: its buffers per batch size, its token scatter, and the flat gradient
     * array it writes into (the network's own for shard 0) with each layer's views into it.
     */
    private final class Lane {
        final Map<Integer, Buffers> buffers = new LinkedHashMap<>(8, 0.75f, true);
        final INDArray flat;
        final Map<Integer, Map<String, INDArray>> views = new LinkedHashMap<>();

        /** @param flat the network's gradient view array, or null for a new array of its layout */
        Lane(INDArray flat) {
            if (flat == null) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    INDArray own = net.getGradientsViewArray();
                    flat = Nd4j.create(own.dataType(), own.shape(), own.ordering());
                }
            }
            this.flat = flat;
        }

        /** Layer i's parameter gradients as views into this lane's flat array, in DL4J's layout. */
        Map<String, INDArray> gradientViews(int i) {
            return views.computeIfAbsent(i, k -> {
                if (flat == net.getGradientsViewArray()) {
                    Layer layer = net.getLayer(k);
                    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                        return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(),
                                layer.getGradientsViewArray());
                    }
                }
                long offset = 0;
                for (int j = 0; j < k; j++) {
                    offset += net.getLayer(j).numParams();
                }
                Layer layer = net.getLayer(k);
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    INDArray slice = flat.get(NDArrayIndex.interval(0, 0, true),
                            NDArrayIndex.interval(offset, offset + layer.numParams()));
                    return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), slice);
                }
            });
        }

        Buffers buffers(INDArray features) {
            int n = (int) features.rows();
            Buffers buf = buffers.get(n);
            if (buf == null) {
                if (buffers.size() >= MAX_BUFFER_SETS) {
                    buffers.remove(buffers.keySet().iterator().next());
                }
                buf = new Buffers(n);
                buffers.put(n, buf);
            }
            if (buf.source != features) {
                buf.a.assign(features.get(NDArrayIndex.all(), NDArrayIndex.interval(0, p)).argMax(1));
                buf.b.assign(features.get(NDArrayIndex.all(), NDArrayIndex.interval(p, 2L * p)).argMax(1).addi(p));
                buf.tokenA = buf.a.toIntVector();
                buf.tokenB = buf.b.toIntVector();
                buf.source = features;
            }
            return buf;
        }

        /** The forward pass of this shard's rows, in its buffers (inside the caller's workspace). */
        Buffers forward(INDArray features) {
            Buffers buf = buffers(features);
            gatherAdd(firstLayer, buf, buf.pre[0]);
            for (int i = 0; i < layers; i++) {
                if (i > 0) {
                    Nd4j.gemm(buf.act[i - 1], weight(i), buf.pre[i], false, false, 1, 0);
                }
                if (bias) {
                    buf.pre[i].addiRowVector(net.getLayer(i).getParam("b"));
                }
                activations[i].getActivation(buf.act[i].assign(buf.pre[i]), true);
            }
            return buf;
        }

        /** This shard's rows' gradients (summed over them) into this lane's flat array. */
        void gradients(INDArray features, INDArray labels) {
            try (MemoryWorkspace ignored = scratch()) {
                Buffers buf = forward(features);
                INDArray delta = lossFn.computeGradient(labels, buf.pre[layers - 1].dup(), activations[layers - 1], null);
                for (int i = layers - 1; i >= 0; i--) {
                    if (i < layers - 1) {
                        delta = activations[i].backprop(buf.z[i].assign(buf.pre[i]), delta).getFirst();
                    }
                    Map<String, INDArray> v = gradientViews(i);
                    if (i > 0) {
                        Nd4j.gemm(buf.act[i - 1], delta, v.get("W"), true, false, 1, 0);
                    } else {
                        buf.rowScatter.scatterAdd(delta, buf.scatter, buf.tokenA, buf.tokenB);
                        v.get("W").assign(buf.scatter);
                    }
                    if (bias) {
                        v.get("b").assign(delta.sum(true, 0));
                    }
                    if (i > 0) {
                        Nd4j.gemm(delta, weight(i), buf.grad[i - 1], false, true, 1, 0);
                        delta = buf.grad[i - 1];
                    }
                }
            }
        }

        /** This shard's outputs, copied into {@code out} (its rows of the batch's output array). */
        void output(INDArray features, INDArray out) {
            try (MemoryWorkspace ignored = scratch()) {
                out.assign(forward(features).act[layers - 1]);
            }
        }
    }

    /** Per batch size: token indices, pre-activations and activations of every layer. */
    private final class Buffers {
        final INDArray a;        // [n] int indices of x's first token, and of the second plus p
        final INDArray b;
        final INDArray scatter;  // [2p, w0] the first layer's weight gradient, c order
        final RowScatter rowScatter = new RowScatter();
        int[] tokenA;            // a and p + b per example, for the scatter-add
        int[] tokenB;
        final INDArray[] pre;
        final INDArray[] act;
        final INDArray[] grad;   // the gradient into act[i] (epsilon), then scratch for act'(pre[i])
        final INDArray[] z;      // a copy of pre[i] that the activation's backprop overwrites
        INDArray source;

        Buffers(int n) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                a = Nd4j.create(DataType.INT, n);
                b = Nd4j.create(DataType.INT, n);
                pre = new INDArray[layers];
                act = new INDArray[layers];
                grad = new INDArray[layers];
                z = new INDArray[layers];
                for (int i = 0; i < layers; i++) {
                    long width = weight(i).columns();
                    pre[i] = Nd4j.create(t, n, width);
                    act[i] = Nd4j.create(t, n, width);
                    if (i < layers - 1) {
                        grad[i] = Nd4j.create(t, n, width);
                        z[i] = Nd4j.create(t, n, width);
                    }
                }
                scatter = Nd4j.create(t, 2L * p, weight(0).columns());
            }
        }
    }

    private INDArray weight(int i) {
        return net.getLayer(i).getParam("W");
    }

    private static MemoryWorkspace scratch() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH, SCRATCH_ID);
    }

    /** The network's outputs (probabilities or scores) for one-hot {@code features}, as a new array. */
    INDArray output(INDArray features) {
        INDArray out;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            out = Nd4j.create(t, features.rows(), weight(layers - 1).columns());
        }
        firstLayer.assign(weight(0));
        int used = shards.usedFor(features.rows());
        if (used == 1) {
            lanes[0].output(features, out);
            return out;
        }
        INDArray[] x = featureViews.of(features, used);
        INDArray[] o = Shards.RowViews.split(out, used);
        shards.onEvery(used, s -> lanes[s].output(x[s], o[s]));
        return out;
    }

    /**
     * {@code out[e] = u[a_e] + u[p + b_e]}: x u for the one-hot x, a loop over the native buffers (the
     * same two-term sum the dense product computes; M2.1's gather op took twice as long, plus an add).
     */
    private void gatherAdd(INDArray u, Buffers buf, INDArray out) {
        int n = (int) out.rows();
        int w = (int) out.columns();
        int[] a = buf.tokenA;
        int[] b = buf.tokenB;
        int base = (int) u.offset();
        if (t == DataType.DOUBLE) {
            java.nio.DoubleBuffer in = doubles(u);
            java.nio.DoubleBuffer o = doubles(out);
            for (int e = 0; e < n; e++) {
                int ra = base + a[e] * w;
                int rb = base + b[e] * w;
                int row = e * w;
                for (int c = 0; c < w; c++) {
                    o.put(row + c, in.get(ra + c) + in.get(rb + c));
                }
            }
        } else {
            java.nio.FloatBuffer in = floats(u);
            java.nio.FloatBuffer o = floats(out);
            for (int e = 0; e < n; e++) {
                int ra = base + a[e] * w;
                int rb = base + b[e] * w;
                int row = e * w;
                for (int c = 0; c < w; c++) {
                    o.put(row + c, in.get(ra + c) + in.get(rb + c));
                }
            }
        }
    }

    private static java.nio.FloatBuffer floats(INDArray x) {
        return x.data().asNio().order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static java.nio.DoubleBuffer doubles(INDArray x) {
        return x.data().asNio().order(java.nio.ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    /** One optimiser step on the batch: DL4J's {@code fit(DataSet)} for this network, computed by hand. */
    void step(INDArray features, INDArray labels) {
        int n = (int) features.rows();
        firstLayer.assign(weight(0));
        int used = shards.usedFor(n);
        if (used == 1) {
            lanes[0].gradients(features, labels);
        } else {
            INDArray[] x = featureViews.of(features, used);
            INDArray[] y = labelViews.of(labels, used);
            shards.onEvery(used, s -> lanes[s].gradients(x[s], y[s]));
            INDArray total = net.getGradientsViewArray();
            for (int s = 1; s < used; s++) {
                total.addi(lanes[s].flat);
            }
        }
        DefaultGradient gradient = new DefaultGradient(net.getGradientsViewArray());
        for (int i = layers - 1; i >= 0; i--) {
            for (Map.Entry<String, INDArray> v : lanes[0].gradientViews(i).entrySet()) {
                gradient.setGradientFor(i + "_" + v.getKey(), v.getValue());
            }
        }
        net.getUpdater().update(net, gradient, net.getIterationCount(), net.getEpochCount(), n,
                LayerWorkspaceMgr.noWorkspaces());
        INDArray params = net.params();
        params.subi(net.getGradientsViewArray().reshape(params.shape()));
        net.setIterationCount(net.getIterationCount() + 1);
    }
}
