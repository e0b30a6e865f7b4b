package dev.grokscope.model;

import dev.grokscope.backend.Backend;
import dev.grokscope.config.Activation;
import dev.grokscope.config.Loss;
import dev.grokscope.config.OptimizerSpec;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.config.TransformerSpec;
import dev.grokscope.data.ModularDataset;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A decoder-only transformer on SameDiff for the sequence {@code [a, b, =]} ('=' is token p, so the
 * vocabulary has p + 1 tokens), read out at the last position: Nanda et al. 2023's model with the
 * options of {@link TransformerSpec}.
 *
 * <pre>
 *   r     = embedScale * onehot(tokens) W_E + W_pos                              [n, 3, d]
 *   block = attention:  r += softmax(Q K^T / sqrt(d_head) + causal mask) V W_O    (per head)
 *           MLP:        r += act(r W_in + b_in) W_out + b_out
 *   logits = r[:, 2] W_U                                                          [n, p]
 * </pre>
 * with LayerNorm (eps 1e-5, written by hand: SameDiff's has no epsilon) before each sub-layer plus a
 * final one ({@code pre}) or after each residual addition ({@code post}).
 *
 * <p>Parameters, by stable name (TransformerLens's): {@code embed.W_E} [p+1, d], {@code embed.W_pos}
 * [3, d] (learned only; sinusoidal positions are a constant), {@code blocks.<i>.ln1.w|b},
 * {@code blocks.<i>.attn.W_Q|W_K|W_V} [d, heads*d_head] (head h owns columns h*d_head ..),
 * {@code blocks.<i>.attn.W_O} [heads*d_head, d] (head h owns those rows), {@code blocks.<i>.ln2.w|b},
 * {@code blocks.<i>.mlp.W_in} [d, d_mlp], {@code .b_in}, {@code .W_out} [d_mlp, d], {@code .b_out},
 * {@code ln_final.w|b} (pre-LN only), {@code unembed.W_U} [d, p]. Weights start as in Nanda et al.'s code:
 * N(0, 1/d) for W_E, W_pos, W_Q, W_K, W_V, W_O, W_in, W_U and N(0, 1/d_mlp) for W_out, times {@code initScale}; biases 0, LayerNorm gains 1.
 *
 * <p>{@link #matrices()} returns the 2-D weights only; the per-head splits Yunis et al. compare are in
 * {@link #headMatrices()} (copies), kept out of {@code matrices()} so that spectra cost stays one SVD per
 * weight.
 *
 * <p>Steps and outputs run in {@link TransformerKernel}: forward and backward written by hand with ND4J
 * matrix products, for every option above, computing the last position only where that is exact (the
 * last block's queries, MLP and unembedding). SameDiff's per-op session overhead made a step 3-10x
 * slower. The SameDiff graph (every position through every block) stays as the reference
 * ({@link Path#GRAPH}): tests check the kernel's loss, gradients and logits against it in float64.
 *
 * <p>Optimiser: {@code optimizer.decayBiases = false} exempts every 1-D parameter (MLP biases, LayerNorm
 * gains and offsets) from weight decay, as nanoGPT does; Nanda's AdamW decays everything ({@code true}).
 *
 * <p>M2.1 workarounds, on purpose: tokens are embedded by a one-hot matmul (gather's gradient is wrong);
 * the last position is picked by multiplying with a constant 0/1 vector and summing (no
 * {@code get}/SDIndex in a trained graph); GELU is built from erf. Training does not use
 * {@code sd.fit}/{@code TrainingConfig}: gradients come from {@code calculateGradients} and
 * {@link DecoupledOptimizer} applies AdamW, because M2.1's TrainingConfig decays every variable (no
 * per-variable control for {@code decayBiases}) and has no way to set its iteration count on resume.
 */
public final class Transformer implements Network {
    /** Sequence length: a, b, '='. */
    public static final int T = 3;
    static final double LN_EPS = 1e-5;
    private static final String X = "x";
    private static final String Y = "y";
    private static final String LOGITS = "logits";
    private static final String LOSS = "loss";
    /** Rows per evaluation batch: bounds the activations of one {@link #output} call. */
    private static final int EVAL_CHUNK = 4096;
    /** Bytes each SameDiff session may keep cached for reuse (see {@link #boundSessionCaches}). */
    private static final long SESSION_CACHE_BYTES = 512L << 20;

    private final SameDiff sd;
    private final TransformerSpec spec;
    private final int p;
    private final DataType dtype;
    private final Map<String, INDArray> params;
    private final DecoupledOptimizer optimizer;
    private final Map<String, INDArray> feed = new HashMap<>();
    private final List<String> paramNames;
    /** The hand-written fast path, or null on the reference path (tests). */
    private final ShardedKernel kernel;

    private Transformer(SameDiff sd, TransformerSpec spec, int p, DataType dtype,
                        Map<String, INDArray> params, DecoupledOptimizer optimizer, ShardedKernel kernel) {
        this.kernel = kernel;
        this.sd = sd;
        this.spec = spec;
        this.p = p;
        this.dtype = dtype;
        this.params = Collections.unmodifiableMap(params);
        this.paramNames = List.copyOf(params.keySet());
        this.optimizer = optimizer;
    }

    /** The parameters weight decay applies to: all, or with {@code decayBiases = false} those of rank >= 2. */
    private static Set<String> decayed(Map<String, INDArray> params, OptimizerSpec opt) {
        return params.entrySet().stream()
                .filter(e -> opt.decayBiases() || e.getValue().rank() >= 2)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /** How a step is computed. */
    enum Path {
        /** {@link TransformerKernel}: the fast path, for every spec. */
        KERNEL,
        /** The SameDiff graph, every position through every block: the reference the kernel is tested against. */
        GRAPH
    }

    /**
     * The transformer of {@code spec} for modulus p, on the hand-written kernel, its batches split over
     * {@link Backend#computeThreads()} shards ({@link ShardedKernel}).
     */
    public static Transformer build(TransformerSpec spec, int p, OptimizerSpec opt, TrainingSpec training, long initSeed) {
        return build(spec, p, opt, training, initSeed, Path.KERNEL, Backend.computeThreads());
    }

    /** As {@link #build}, on the given path, one shard; both paths draw the same initial weights from one seed. */
    static Transformer build(TransformerSpec spec, int p, OptimizerSpec opt, TrainingSpec training, long initSeed,
                             Path path) {
        return build(spec, p, opt, training, initSeed, path, 1);
    }

    /** As {@link #build}, on the given path, the kernel's batches split over {@code shards} threads. */
    static Transformer build(TransformerSpec spec, int p, OptimizerSpec opt, TrainingSpec training, long initSeed,
                             Path path, int shards) {
        DataType dtype = training.dtype() == TrainingSpec.DType.FLOAT64 ? DataType.DOUBLE : DataType.FLOAT;
        Graph g = new Graph(spec, p, dtype, initSeed);
        g.build();
        DecoupledOptimizer optimizer = new DecoupledOptimizer(opt, g.params, decayed(g.params, opt));
        ShardedKernel kernel = path == Path.KERNEL ? new ShardedKernel(shards,
                grads -> new TransformerKernel(spec, p, dtype, g.params, g.fixedPositions, grads), optimizer, g.params) : null;
        if (kernel == null) {
            createGradientsQuietly(g.sd);
        }
        return new Transformer(g.sd, spec, p, dtype, g.params, optimizer, kernel);
    }

    /**
     * Builds the gradient graph now. M2.1 prints a line per op to {@code System.out} while doing so
     * ("Added differentiated op ..."), which would corrupt {@code grokscope bench}'s JSON: that output is
     * dropped for the moment it takes (the swap of System.out is process-wide).
     */
    private static void createGradientsQuietly(SameDiff sd) {
        java.io.PrintStream out = System.out;
        synchronized (System.class) {
            try {
                System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                sd.createGradFunction();
            } finally {
                System.setOut(out);
            }
        }
    }

    /** Builds the SameDiff graph and its parameters in a fixed order (so one seed gives one network). */
    private static final class Graph {
        final SameDiff sd = SameDiff.create();
        final Map<String, INDArray> params = new LinkedHashMap<>();
        final TransformerSpec s;
        final int p;
        final int d;
        final int h;
        final int dh;
        final DataType t;
        INDArray fixedPositions;

        Graph(TransformerSpec s, int p, DataType t, long seed) {
            this.s = s;
            this.p = p;
            this.d = s.dModel();
            this.h = s.nHeads();
            this.dh = s.dHead();
            this.t = t;
            Nd4j.getRandom().setSeed(seed);
        }

        SDVariable weight(String name, double fanIn, long... shape) {
            INDArray w = Nd4j.randn(t, shape).muli(s.initScale() / Math.sqrt(fanIn));
            return param(name, w);
        }

        SDVariable param(String name, INDArray init) {
            SDVariable v = sd.var(name, init);
            params.put(name, v.getArr());
            return v;
        }

        SDVariable zeros(String name, long n) {
            return param(name, Nd4j.zeros(t, n));
        }

        SDVariable ones(String name, long n) {
            return param(name, Nd4j.ones(t, n));
        }

        void build() {
            int v = p + 1;
            SDVariable x = sd.placeHolder(X, t, -1, (long) T * v);
            SDVariable y = sd.placeHolder(Y, t, -1, p);
            SDVariable wE = weight("embed.W_E", d, v, d);
            SDVariable pos = s.positional() == TransformerSpec.Positional.LEARNED
                    ? weight("embed.W_pos", d, T, d)
                    : sd.constant("embed.sinusoidal", fixedPositions = sinusoidal(T, d, t));
            SDVariable emb = x.reshape(-1, v).mmul(wE);
            if (s.embedScale() != 1.0) {
                emb = emb.mul(s.embedScale());
            }
            SDVariable r = emb.reshape(-1, T, d).add(pos);                       // [n, T, d]
            SDVariable last = sd.constant("select.last", Nd4j.create(t, T, 1).putScalar(T - 1, 0, 1.0));
            for (int i = 0; i < s.nLayers(); i++) {
                r = block(i, r);
            }
            SDVariable out = r.mul(last).sum(1);                                   // [n, d]
            if (s.layerNorm() == TransformerSpec.Norm.PRE) {
                out = layerNorm("ln_final", out, 1);
            }
            SDVariable wU = weight("unembed.W_U", d, d, p);
            SDVariable logits = sd.identity(LOGITS, out.mmul(wU));
            sd.loss.softmaxCrossEntropy(LOSS, y, logits, null);
            sd.setLossVariables(LOSS);
        }

        /** One block on every position, causal. */
        SDVariable block(int i, SDVariable r) {
            String b = "blocks." + i + ".";
            boolean pre = s.layerNorm() == TransformerSpec.Norm.PRE;
            boolean post = s.layerNorm() == TransformerSpec.Norm.POST;
            SDVariable in = pre ? layerNorm(b + "ln1", r, 2) : r;
            SDVariable[] w = attnWeights(b);
            SDVariable flat = in.reshape(-1, d);
            SDVariable q = flat.mmul(w[0]).reshape(-1, T, 1, h, dh);
            SDVariable k = flat.mmul(w[1]).reshape(-1, 1, T, h, dh);
            SDVariable val = flat.mmul(w[2]).reshape(-1, 1, T, h, dh);
            SDVariable scores = q.mul(k).sum(4).mul(1.0 / Math.sqrt(dh))           // [n, Tq, Tk, h]
                    .add(sd.constant(b + "attn.mask", causalMask(t)));
            SDVariable att = sd.nn.softmax(scores, 2).reshape(-1, T, T, h, 1);
            SDVariable z = att.mul(val).sum(2).reshape(-1, (long) h * dh);          // [n*T, h*dh]
            r = r.add(z.mmul(w[3]).reshape(-1, T, d));
            if (post) {
                r = layerNorm(b + "ln1", r, 2);
            }
            in = pre ? layerNorm(b + "ln2", r, 2) : r;
            r = r.add(mlp(b, in.reshape(-1, d)).reshape(-1, T, d));
            return post ? layerNorm(b + "ln2", r, 2) : r;
        }

        SDVariable[] attnWeights(String b) {
            long hd = (long) h * dh;
            return new SDVariable[] {weight(b + "attn.W_Q", d, d, hd), weight(b + "attn.W_K", d, d, hd),
                    weight(b + "attn.W_V", d, d, hd), weight(b + "attn.W_O", d, hd, d)};
        }

        SDVariable mlp(String b, SDVariable in) {
            SDVariable pre = in.mmul(weight(b + "mlp.W_in", d, d, s.dMlp()));
            if (s.bias()) {
                pre = pre.add(zeros(b + "mlp.b_in", s.dMlp()));
            }
            SDVariable act = s.activation() == Activation.GELU
                    ? pre.mul(sd.math.erf(pre.mul(1 / Math.sqrt(2))).add(1.0)).mul(0.5)
                    : sd.nn.relu(pre, 0);
            SDVariable out = act.mmul(weight(b + "mlp.W_out", s.dMlp(), s.dMlp(), d));
            return s.bias() ? out.add(zeros(b + "mlp.b_out", d)) : out;
        }

        /** {@code (x - mean) / sqrt(var + 1e-5) * w + b} over {@code axis} (the last) (biased variance, as PyTorch). */
        SDVariable layerNorm(String name, SDVariable x, int axis) {
            SDVariable centred = x.sub(x.mean(true, axis));
            SDVariable var = centred.mul(centred).mean(true, axis);
            SDVariable normed = centred.mul(sd.math.rsqrt(var.add(LN_EPS)));
            return normed.mul(ones(name + ".w", d)).add(zeros(name + ".b", d));
        }

        INDArray causalMask(DataType t) {
            INDArray m = Nd4j.zeros(t, T, T, 1);
            for (int i = 0; i < T; i++) {
                for (int j = i + 1; j < T; j++) {
                    m.putScalar(new long[] {i, j, 0}, -1e9);
                }
            }
            return m;
        }
    }

    /** Vaswani et al.'s fixed positions: PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(same). */
    static INDArray sinusoidal(int positions, int d, DataType t) {
        INDArray pe = Nd4j.zeros(t, positions, d);
        for (int pos = 0; pos < positions; pos++) {
            for (int i = 0; i < d; i++) {
                double angle = pos / Math.pow(10_000, 2.0 * (i / 2) / d);
                pe.putScalar(pos, i, i % 2 == 0 ? Math.sin(angle) : Math.cos(angle));
            }
        }
        return pe;
    }

    /** One-hot codes of the tokens a, b, '=' side by side: width 3 (p + 1). */
    @Override
    public INDArray features(ModularDataset data) {
        int n = data.size();
        int v = p + 1;
        INDArray f = Nd4j.zeros(dtype, n, (long) T * v);
        for (int i = 0; i < n; i++) {
            f.putScalar(i, data.x()[i], 1.0);
            f.putScalar(i, v + data.y()[i], 1.0);
            f.putScalar(i, 2L * v + p, 1.0);
        }
        return f;
    }

    @Override
    public void step(INDArray features, INDArray targets) {
        optimizer.step(gradients(features, targets));
    }

    /** The gradient of the mean cross-entropy for every parameter (arrays owned by the session or kernel). */
    Map<String, INDArray> gradients(INDArray features, INDArray targets) {
        if (kernel != null) {
            return kernel.gradients(features, targets);
        }
        feed.put(X, features);
        feed.put(Y, targets);
        try {
            Map<String, INDArray> g = sd.calculateGradients(feed, paramNames);
            boundSessionCaches();
            return g;
        } finally {
            feed.clear();
        }
    }

    /**
     * Caps the array cache of every SameDiff session (the graph's and its gradient function's, one per
     * thread). M2.1's default {@code ArrayCacheMemoryMgr} keeps released arrays for reuse up to 25% of
     * physical memory: resident memory then grows step after step to gigabytes. A cache of
     * {@value #SESSION_CACHE_BYTES} bytes still lets a step reuse its arrays.
     */
    private void boundSessionCaches() {
        List<SameDiff> graphs = new ArrayList<>(List.of(sd));
        SameDiff grad = sd.getFunction("grad");
        if (grad != null) {
            graphs.add(grad);
        }
        for (SameDiff g : graphs) {
            for (InferenceSession session : g.getSessions().values()) {
                if (!(session.getMmgr() instanceof ArrayCacheMemoryMgr m) || m.getMaxCacheBytes() > SESSION_CACHE_BYTES) {
                    SessionMemMgr old = session.getMmgr();
                    session.setMmgr(boundedCache());
                    if (old != null) {
                        old.close();
                    }
                }
            }
        }
    }

    private static ArrayCacheMemoryMgr boundedCache() {
        long total = new ArrayCacheMemoryMgr().getTotalMemBytes();
        return new ArrayCacheMemoryMgr(Math.min(0.25, (double) SESSION_CACHE_BYTES / total), 1024, 2.0);
    }

    /** The mean cross-entropy of a batch, {@code mean_i (logsumexp(logits_i) - logits_i . y_i)}, in float64. */
    double loss(INDArray features, INDArray targets) {
        INDArray logits = output(features).castTo(DataType.DOUBLE);
        INDArray y = targets.castTo(DataType.DOUBLE);
        INDArray max = logits.max(1);
        INDArray lse = org.nd4j.linalg.ops.transforms.Transforms.log(
                org.nd4j.linalg.ops.transforms.Transforms.exp(logits.subColumnVector(max), false).sum(1), false).addi(max);
        return lse.sumNumber().doubleValue() / logits.rows() - logits.mul(y).sumNumber().doubleValue() / logits.rows();
    }

    /** Logits at the last position, computed {@value #EVAL_CHUNK} rows at a time. */
    @Override
    public INDArray output(INDArray features) {
        long n = features.rows();
        INDArray logits = Nd4j.create(dtype, n, p);
        for (long start = 0; start < n; start += EVAL_CHUNK) {
            long end = Math.min(n, start + EVAL_CHUNK);
            INDArray chunk = n <= EVAL_CHUNK ? features : features.get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            INDArray rows = logits.get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
            if (kernel != null) {
                kernel.forward(chunk, rows);
            } else {
                rows.assign(sd.output(Map.of(X, chunk), LOGITS).get(LOGITS));
                boundSessionCaches();
            }
        }
        return logits;
    }

    /** The threads a batch is split over (1 on the SameDiff path). */
    int shards() {
        return kernel == null ? 1 : kernel.shards();
    }

    @Override
    public Objectives.OutputKind outputKind() {
        return Objectives.OutputKind.SCORES;
    }

    @Override
    public Loss loss() {
        return spec.loss();
    }

    /** Every 2-D weight (W_E, W_pos if learned, W_Q, W_K, W_V, W_O, W_in, W_out, W_U); live arrays. */
    @Override
    public Map<String, INDArray> matrices() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (v.rank() == 2) {
                m.put(k, v);
            }
        });
        return m;
    }

    /**
     * Each head's slice of the attention weights, as copies: {@code blocks.<i>.attn.W_Q.head<h>}
     * (and W_K, W_V) [d, d_head], the columns of head h, and {@code blocks.<i>.attn.W_O.head<h>} [d_head, d],
     * its rows. Yunis et al. compare the spectra of Q and K per head.
     */
    public Map<String, INDArray> headMatrices() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        int dh = spec.dHead();
        for (int i = 0; i < spec.nLayers(); i++) {
            String b = "blocks." + i + ".attn.";
            for (String w : List.of("W_Q", "W_K", "W_V", "W_O")) {
                INDArray full = params.get(b + w);
                for (int hd = 0; hd < spec.nHeads(); hd++) {
                    INDArray slice = w.equals("W_O")
                            ? full.get(NDArrayIndex.interval((long) hd * dh, (long) (hd + 1) * dh), NDArrayIndex.all())
                            : full.get(NDArrayIndex.all(), NDArrayIndex.interval((long) hd * dh, (long) (hd + 1) * dh));
                    m.put(b + w + ".head" + hd, slice.dup('c'));
                }
            }
        }
        return m;
    }

    /**
     * Per block, the value-output product ({@code W_V} then {@code W_O}: the OV circuit) and the MLP
     * ({@code W_in} then {@code W_out}); the residual stream connects everything else additively.
     */
    @Override
    public List<List<String>> chains() {
        List<List<String>> c = new ArrayList<>();
        for (int i = 0; i < spec.nLayers(); i++) {
            String b = "blocks." + i + ".";
            c.add(List.of(b + "attn.W_V", b + "attn.W_O"));
            c.add(List.of(b + "mlp.W_in", b + "mlp.W_out"));
        }
        return c;
    }

    @Override
    public Map<String, INDArray> parameters() {
        return params;
    }

    @Override
    public long steps() {
        return optimizer.steps();
    }

    /** {@code <parameter>/M} and {@code /V} (AdamW's moments) or {@code /velocity} (SGD); live arrays. */
    @Override
    public Map<String, INDArray> optimizerState() {
        return optimizer.state();
    }

    @Override
    public void restoreSteps(long steps) {
        optimizer.restoreSteps(steps);
    }

    /** The SameDiff graph (for gradient checks): placeholders {@code x} (features) and {@code y} (one-hot targets). */
    SameDiff graph() {
        return sd;
    }

    /** Parameter names in their fixed order. */
    List<String> parameterNames() {
        return new ArrayList<>(paramNames);
    }
}
