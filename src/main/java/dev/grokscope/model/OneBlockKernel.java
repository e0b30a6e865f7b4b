package dev.grokscope.model;

import dev.grokscope.config.Activation;
import dev.grokscope.config.TransformerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Forward and backward pass of the one-block transformer without LayerNorm (Nanda et al.'s model),
 * written by hand with ND4J matrix products into buffers allocated once per batch size: the fast path
 * of {@link Transformer}. It computes exactly what the SameDiff graph computes with the last-position
 * shortcut (TransformerTest checks loss and every gradient against it in float64), without SameDiff's
 * per-op session overhead (~10x slower on this model in M2.1).
 *
 * <p>Rows are position-major: row {@code j n + i} of the [3n, .] arrays is example i at position j.
 * With c = 1/sqrt(d_head), s = embedScale, and per head: R = s X W_E + W_pos; K = R W_K; V = R W_V;
 * q = c R_2 W_Q; A_j = softmax_j(q . K_j); z = sum_j A_j V_j; r = R_2 + z W_O; h = r W_in + b_in;
 * f = r + act(h) W_out + b_out; logits = f W_U; loss = mean cross-entropy. The backward pass is the
 * chain rule of these lines in reverse (softmax: dS = A (dA - sum_k A_k dA_k)).
 *
 * <p>Memory. Activations, gradients and parameters live in arrays allocated outside any workspace;
 * the few temporaries of a pass (row sums, maxima, the softmax denominator) are allocated in an ND4J
 * workspace that is reset after every pass, so a training step allocates no new native memory once
 * the first pass has sized the workspace. (Without it, every step left ~1 MB of native buffers that
 * only a garbage collection frees; with a small Java heap that happens rarely, and resident memory
 * grew for thousands of epochs.) What ops still allocate outside it (~0.15 MB of native memory per
 * step, op contexts and scalars) is bounded by {@link dev.grokscope.backend.NativeMemory}.
 */
final class OneBlockKernel {
    private final int d;
    private final int h;
    private final int dh;
    private final int dm;
    private final int v;
    private final int p;
    private final boolean gelu;
    private final boolean bias;
    private final boolean learnedPos;
    private final double embedScale;
    private final DataType t;
    private final Map<String, INDArray> w;
    private final INDArray pos;
    private final Map<String, INDArray> grads = new LinkedHashMap<>();
    /** Buffers by batch size, least recently used first: training batches and evaluation chunks. */
    private final Map<Integer, Buffers> buffers = new LinkedHashMap<>(8, 0.75f, true);
    private static final int MAX_BUFFER_SETS = 4;
    private Buffers buf;
    /** Temporaries of one pass; learns its size on the first pass and is reset after each. */
    private static final WorkspaceConfiguration SCRATCH = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    /** One workspace per thread, shared by every kernel on it (it is reset after each pass). */
    private static final String SCRATCH_ID = "grokscope-kernel";

    OneBlockKernel(TransformerSpec spec, int p, DataType t, Map<String, INDArray> params, INDArray fixedPositions) {
        if (spec.nLayers() != 1 || spec.layerNorm() != TransformerSpec.Norm.OFF) {
            throw new IllegalArgumentException("the kernel covers one block without LayerNorm");
        }
        this.d = spec.dModel();
        this.h = spec.nHeads();
        this.dh = spec.dHead();
        this.dm = spec.dMlp();
        this.v = p + 1;
        this.p = p;
        this.gelu = spec.activation() == Activation.GELU;
        this.bias = spec.bias();
        this.learnedPos = spec.positional() == TransformerSpec.Positional.LEARNED;
        this.embedScale = spec.embedScale();
        this.t = t;
        this.w = params;
        this.pos = learnedPos ? params.get("embed.W_pos") : fixedPositions;
        params.forEach((name, arr) -> grads.put(name, arr.ulike()));
    }

    static boolean covers(TransformerSpec spec) {
        return spec.nLayers() == 1 && spec.layerNorm() == TransformerSpec.Norm.OFF;
    }

    /** Activations and gradients for one batch size; reused while the size stays. */
    private final class Buffers {
        final int n;
        final INDArray x;      // [3n, V] one-hot, position-major
        final INDArray r;      // [3n, d]
        final INDArray k;      // [3n, hd]
        final INDArray val;    // [3n, hd]
        final INDArray q;      // [n, hd], scaled by c
        final INDArray tmp;    // [n, hd]
        final INDArray att;    // [3, n h]: scores, then probabilities
        final INDArray z;      // [n, hd]
        final INDArray mid;    // [n, d]
        final INDArray pre;    // [n, dm]
        final INDArray act;    // [n, dm]
        final INDArray fin;    // [n, d]
        final INDArray logits; // [n, p]
        INDArray dFin;         // [n, d]; this and below: allocated by the first backward pass
        INDArray dPre;         // [n, dm]
        INDArray dMid;         // [n, d]
        INDArray dz;           // [n, hd]
        INDArray dAtt;         // [3, n h]
        INDArray dq;           // [n, hd]
        INDArray dk;           // [3n, hd]
        INDArray dv;           // [3n, hd]
        INDArray dr;           // [3n, d]
        final INDArray ones;   // [1, n]: column sums as a matrix product (ND4J's sum(0) is slow)
        INDArray mask;         // [n, dm]: act'(pre)
        INDArray source;       // the features array x was made from

        Buffers(int n) {
            this.n = n;
            long hd = (long) h * dh;
            x = Nd4j.create(t, 3L * n, v);
            r = Nd4j.create(t, 3L * n, d);
            k = Nd4j.create(t, 3L * n, hd);
            val = Nd4j.create(t, 3L * n, hd);
            q = Nd4j.create(t, n, hd);
            tmp = Nd4j.create(t, n, hd);
            att = Nd4j.create(t, 3, (long) n * h);
            z = Nd4j.create(t, n, hd);
            mid = Nd4j.create(t, n, d);
            pre = Nd4j.create(t, n, dm);
            act = Nd4j.create(t, n, dm);
            fin = Nd4j.create(t, n, d);
            logits = Nd4j.create(t, n, p);
            ones = Nd4j.ones(t, 1, n);
        }

        void ensureBackward() {
            if (dFin != null) {
                return;
            }
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                allocateBackward();
            }
        }

        private void allocateBackward() {
            long hd = (long) h * dh;
            dFin = Nd4j.create(t, n, d);
            dPre = Nd4j.create(t, n, dm);
            dMid = Nd4j.create(t, n, d);
            dz = Nd4j.create(t, n, hd);
            dAtt = Nd4j.create(t, 3, (long) n * h);
            dq = Nd4j.create(t, n, hd);
            dk = Nd4j.create(t, 3L * n, hd);
            dv = Nd4j.create(t, 3L * n, hd);
            dr = Nd4j.create(t, 3L * n, d);
            mask = Nd4j.create(t, n, dm);
        }

        /** {@code into = sum over rows of m}, into a rank-1 array of m's width. */
        void columnSums(INDArray m, INDArray into) {
            Nd4j.gemm(ones, m, into.reshape('c', 1, into.length()), false, false, 1, 0);
        }

        /**
         * Views of this set's arrays, made once: a view costs a Java object and a small native buffer
         * descriptor, and a pass takes ~60 of them. Indexed by array, kind and position.
         */
        private final Map<INDArray, INDArray[][]> views = new IdentityHashMap<>();
        private static final int BLOCK = 0;
        private static final int HEADS = 1;
        private static final int HEAD_COLUMN = 2;
        private static final int ROW = 3;
        private static final int PER_HEAD = 4;

        private INDArray view(INDArray a, int kind, int j) {
            INDArray[] slots = views.computeIfAbsent(a, k -> new INDArray[PER_HEAD + 1][3])[kind];
            INDArray v = slots[j];
            if (v == null) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    v = switch (kind) {
                        case BLOCK -> a.get(NDArrayIndex.interval((long) j * n, (long) (j + 1) * n), NDArrayIndex.all());
                        case HEADS -> block(a, j).reshape('c', (long) n * h, dh);
                        case HEAD_COLUMN -> row(a, j).reshape('c', (long) n * h, 1);
                        case ROW -> a.getRow(j);
                        default -> a.reshape('c', (long) n * h, dh);
                    };
                }
                slots[j] = v;
            }
            return v;
        }

        /** Rows j n .. (j+1) n - 1 of a [3n, .] array: position j of every example. */
        INDArray block(INDArray a, int j) {
            return view(a, BLOCK, j);
        }

        /** Position j's rows of a [3n, h*dh] array as [n*h, dh] (one row per example and head). */
        INDArray heads(INDArray a, int j) {
            return view(a, HEADS, j);
        }

        /** Row j of a [3, n*h] array as a column [n*h, 1]. */
        INDArray headColumn(INDArray a3, int j) {
            return view(a3, HEAD_COLUMN, j);
        }

        /** Row j of a [3, .] array. */
        INDArray row(INDArray a3, int j) {
            return view(a3, ROW, j);
        }

        /** An [n, h*dh] array as [n*h, dh]. */
        INDArray perHead(INDArray a) {
            return view(a, PER_HEAD, 0);
        }
    }

    private Buffers buffers(INDArray features) {
        int n = (int) features.rows();
        buf = buffers.get(n);
        if (buf == null) {
            if (buffers.size() >= MAX_BUFFER_SETS) {
                Integer eldest = buffers.keySet().iterator().next();
                buffers.remove(eldest);
            }
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                buf = new Buffers(n);
            }
            buffers.put(n, buf);
        }
        if (buf.source != features) {
            for (int j = 0; j < 3; j++) {
                buf.block(buf.x, j).assign(features.get(NDArrayIndex.all(), NDArrayIndex.interval((long) j * v, (long) (j + 1) * v)));
            }
            buf.source = features;
        }
        return buf;
    }

    /** Logits [n, p] at the last position (a buffer: copy it before the next call). */
    INDArray forward(INDArray features) {
        try (MemoryWorkspace ignored = scratch()) {
            return forwardPass(features);
        }
    }

    private MemoryWorkspace scratch() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH, SCRATCH_ID);
    }

    private INDArray forwardPass(INDArray features) {
        Buffers b = buffers(features);
        Nd4j.gemm(b.x, w.get("embed.W_E"), b.r, false, false, embedScale, 0);
        for (int j = 0; j < 3; j++) {
            b.block(b.r, j).addiRowVector(pos.getRow(j));
        }
        INDArray r2 = b.block(b.r, 2);
        Nd4j.gemm(b.r, w.get("blocks.0.attn.W_K"), b.k, false, false, 1, 0);
        Nd4j.gemm(b.r, w.get("blocks.0.attn.W_V"), b.val, false, false, 1, 0);
        Nd4j.gemm(r2, w.get("blocks.0.attn.W_Q"), b.q, false, false, 1 / Math.sqrt(dh), 0);
        INDArray q3 = b.perHead(b.q);
        INDArray tmp3 = b.perHead(b.tmp);
        for (int j = 0; j < 3; j++) {
            tmp3.assign(q3).muli(b.heads(b.k, j));
            b.row(b.att, j).assign(tmp3.sum(1));
        }
        softmaxOverRows(b.row(b.att, 0), b.row(b.att, 1), b.row(b.att, 2));
        INDArray z3 = b.perHead(b.z);
        z3.assign(0);
        for (int j = 0; j < 3; j++) {
            z3.addi(tmp3.assign(b.heads(b.val, j)).muliColumnVector(b.headColumn(b.att, j)));
        }
        b.mid.assign(r2);
        Nd4j.gemm(b.z, w.get("blocks.0.attn.W_O"), b.mid, false, false, 1, 1);
        Nd4j.gemm(b.mid, w.get("blocks.0.mlp.W_in"), b.pre, false, false, 1, 0);
        if (bias) {
            b.pre.addiRowVector(w.get("blocks.0.mlp.b_in"));
        }
        activate(b.pre, b.act);
        b.fin.assign(b.mid);
        Nd4j.gemm(b.act, w.get("blocks.0.mlp.W_out"), b.fin, false, false, 1, 1);
        if (bias) {
            b.fin.addiRowVector(w.get("blocks.0.mlp.b_out"));
        }
        Nd4j.gemm(b.fin, w.get("unembed.W_U"), b.logits, false, false, 1, 0);
        return b.logits;
    }

    /** Softmax across the three key positions, elementwise over the rows s0, s1, s2 of the scores (in place). */
    private static void softmaxOverRows(INDArray s0, INDArray s1, INDArray s2) {
        INDArray max = Transforms.max(Transforms.max(s0, s1, true), s2, false);
        INDArray sum = null;
        for (INDArray row : new INDArray[] {s0, s1, s2}) {
            Transforms.exp(row.subi(max), false);
            sum = sum == null ? row.dup() : sum.addi(row);
        }
        for (INDArray row : new INDArray[] {s0, s1, s2}) {
            row.divi(sum);
        }
    }

    private void activate(INDArray pre, INDArray out) {
        if (!gelu) {
            out.assign(pre);
            Transforms.relu(out, false);
            return;
        }
        // 0.5 x (1 + erf(x / sqrt 2))
        out.assign(pre).muli(1 / Math.sqrt(2));
        Nd4j.getExecutioner().exec(new Erf(out, out));
        out.addi(1).muli(pre).muli(0.5);
    }

    /** Multiplies {@code grad} in place by act'(pre): relu' = [pre > 0]; gelu' = Phi(x) + x phi(x). */
    private void activationGradient(INDArray pre, INDArray act, INDArray grad) {
        if (!gelu) {
            grad.muli(Transforms.sign(buf.mask.assign(act), false));
            return;
        }
        INDArray cdf = pre.mul(1 / Math.sqrt(2));
        Nd4j.getExecutioner().exec(new Erf(cdf, cdf));
        cdf.addi(1).muli(0.5);
        INDArray pdf = pre.mul(pre).muli(-0.5);
        Transforms.exp(pdf, false).muli(pre).muli(1 / Math.sqrt(2 * Math.PI));
        grad.muli(cdf.addi(pdf));
    }

    /**
     * Gradients of the mean cross-entropy against one-hot {@code targets}, by parameter name; arrays owned
     * by the kernel (valid until the next call).
     */
    Map<String, INDArray> gradients(INDArray features, INDArray targets) {
        try (MemoryWorkspace ignored = scratch()) {
            return backwardPass(features, targets);
        }
    }

    private Map<String, INDArray> backwardPass(INDArray features, INDArray targets) {
        forwardPass(features);
        Buffers b = buf;
        b.ensureBackward();
        int n = b.n;
        // dlogits = (softmax - y) / n, in place in logits
        INDArray dl = b.logits;
        dl.subiColumnVector(dl.max(1));
        Transforms.exp(dl, false);
        dl.diviColumnVector(dl.sum(1));
        dl.subi(targets).muli(1.0 / n);
        Nd4j.gemm(b.fin, dl, grads.get("unembed.W_U"), true, false, 1, 0);
        Nd4j.gemm(dl, w.get("unembed.W_U"), b.dFin, false, true, 1, 0);
        Nd4j.gemm(b.act, b.dFin, grads.get("blocks.0.mlp.W_out"), true, false, 1, 0);
        if (bias) {
            b.columnSums(b.dFin, grads.get("blocks.0.mlp.b_out"));
        }
        Nd4j.gemm(b.dFin, w.get("blocks.0.mlp.W_out"), b.dPre, false, true, 1, 0);
        activationGradient(b.pre, b.act, b.dPre);
        Nd4j.gemm(b.mid, b.dPre, grads.get("blocks.0.mlp.W_in"), true, false, 1, 0);
        if (bias) {
            b.columnSums(b.dPre, grads.get("blocks.0.mlp.b_in"));
        }
        b.dMid.assign(b.dFin);
        Nd4j.gemm(b.dPre, w.get("blocks.0.mlp.W_in"), b.dMid, false, true, 1, 1);
        Nd4j.gemm(b.z, b.dMid, grads.get("blocks.0.attn.W_O"), true, false, 1, 0);
        Nd4j.gemm(b.dMid, w.get("blocks.0.attn.W_O"), b.dz, false, true, 1, 0);
        // attention
        INDArray dz3 = b.perHead(b.dz);
        INDArray tmp3 = b.perHead(b.tmp);
        for (int j = 0; j < 3; j++) {
            b.row(b.dAtt, j).assign(tmp3.assign(dz3).muli(b.heads(b.val, j)).sum(1));
            b.heads(b.dv, j).assign(dz3).muliColumnVector(b.headColumn(b.att, j));
        }
        INDArray inner = b.row(b.att, 0).mul(b.row(b.dAtt, 0));
        inner.addi(b.row(b.att, 1).mul(b.row(b.dAtt, 1))).addi(b.row(b.att, 2).mul(b.row(b.dAtt, 2)));
        for (int j = 0; j < 3; j++) {
            b.row(b.dAtt, j).subi(inner).muli(b.row(b.att, j)); // now dScores
        }
        INDArray q3 = b.perHead(b.q);
        INDArray dq3 = b.perHead(b.dq);
        dq3.assign(0);
        for (int j = 0; j < 3; j++) {
            INDArray ds = b.headColumn(b.dAtt, j);
            dq3.addi(tmp3.assign(b.heads(b.k, j)).muliColumnVector(ds));
            b.heads(b.dk, j).assign(q3).muliColumnVector(ds);
        }
        double c = 1 / Math.sqrt(dh);
        INDArray r2 = b.block(b.r, 2);
        Nd4j.gemm(r2, b.dq, grads.get("blocks.0.attn.W_Q"), true, false, c, 0);
        Nd4j.gemm(b.r, b.dk, grads.get("blocks.0.attn.W_K"), true, false, 1, 0);
        Nd4j.gemm(b.r, b.dv, grads.get("blocks.0.attn.W_V"), true, false, 1, 0);
        Nd4j.gemm(b.dk, w.get("blocks.0.attn.W_K"), b.dr, false, true, 1, 0);
        Nd4j.gemm(b.dv, w.get("blocks.0.attn.W_V"), b.dr, false, true, 1, 1);
        INDArray dr2 = b.block(b.dr, 2);
        dr2.addi(b.dMid);
        Nd4j.gemm(b.dq, w.get("blocks.0.attn.W_Q"), dr2, false, true, c, 1);
        if (learnedPos) {
            INDArray gPos = grads.get("embed.W_pos");
            for (int j = 0; j < 3; j++) {
                b.columnSums(b.block(b.dr, j), gPos.getRow(j));
            }
        }
        Nd4j.gemm(b.x, b.dr, grads.get("embed.W_E"), true, false, embedScale, 0);
        return grads;
    }
}
