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
 * <p>Memory: activations live in buffers allocated once per batch size; temporaries of a pass are in
 * a workspace reset after each pass.
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
    private final Map<Integer, Buffers> buffers = new LinkedHashMap<>(8, 0.75f, true);

    MlpKernel(MultiLayerNetwork net, int p, boolean bias, DataType t) {
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

    private Buffers buffers(INDArray features) {
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

    private static MemoryWorkspace scratch() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH, SCRATCH_ID);
    }

    /** The network's outputs (probabilities or scores) for one-hot {@code features}, as a new array. */
    INDArray output(INDArray features) {
        INDArray out;
        try (MemoryWorkspace ignored = scratch()) {
            Buffers buf = forward(features);
            out = buf.act[layers - 1];
        }
        return out.dup();
    }

    private Buffers forward(INDArray features) {
        Buffers buf = buffers(features);
        gatherAdd(weight(0).dup('c'), buf, buf.pre[0]);
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
        DefaultGradient gradient = new DefaultGradient(net.getGradientsViewArray());
        try (MemoryWorkspace ignored = scratch()) {
            Buffers buf = forward(features);
            INDArray delta = lossFn.computeGradient(labels, buf.pre[layers - 1].dup(), activations[layers - 1], null);
            for (int i = layers - 1; i >= 0; i--) {
                if (i < layers - 1) {
                    delta = activations[i].backprop(buf.z[i].assign(buf.pre[i]), delta).getFirst();
                }
                Map<String, INDArray> views = gradientViews(i);
                if (i > 0) {
                    Nd4j.gemm(buf.act[i - 1], delta, views.get("W"), true, false, 1, 0);
                } else {
                    views.get("W").assign(scatterAdd(delta, buf));
                }
                if (bias) {
                    views.get("b").assign(delta.sum(true, 0));
                }
                for (Map.Entry<String, INDArray> v : views.entrySet()) {
                    gradient.setGradientFor(i + "_" + v.getKey(), v.getValue());
                }
                if (i > 0) {
                    Nd4j.gemm(delta, weight(i), buf.grad[i - 1], false, true, 1, 0);
                    delta = buf.grad[i - 1];
                }
            }
        }
        net.getUpdater().update(net, gradient, net.getIterationCount(), net.getEpochCount(), n,
                LayerWorkspaceMgr.noWorkspaces());
        INDArray params = net.params();
        params.subi(net.getGradientsViewArray().reshape(params.shape()));
        net.setIterationCount(net.getIterationCount() + 1);
    }

    /**
     * {@code x^T delta} for the one-hot x: row r of the result is the sum of the rows of delta whose
     * example has token a = r or p + b = r, added in example order ({@link RowScatter}).
     */
    private INDArray scatterAdd(INDArray delta, Buffers buf) {
        buf.rowScatter.scatterAdd(delta, buf.scatter, buf.tokenA, buf.tokenB);
        return buf.scatter;
    }

    private final Map<Integer, Map<String, INDArray>> views = new LinkedHashMap<>();

    /** Layer i's parameter gradients as views into the network's flat gradient array (DL4J's layout). */
    private Map<String, INDArray> gradientViews(int i) {
        return views.computeIfAbsent(i, k -> {
            Layer layer = net.getLayer(k);
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
            }
        });
    }
}
