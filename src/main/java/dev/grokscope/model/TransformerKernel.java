package dev.grokscope.model;

import dev.grokscope.config.Activation;
import dev.grokscope.config.TransformerSpec;
import dev.grokscope.config.TransformerSpec.Norm;
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

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Forward and backward pass of every transformer {@link TransformerSpec} allows (any number of blocks,
 * LayerNorm off / pre / post, MLP biases on or off, ReLU or exact GELU, learned or sinusoidal positions,
 * any batch size), written by hand with ND4J matrix products into buffers allocated once per batch
 * size: the fast path of {@link Transformer}. It computes what the SameDiff graph computes
 * (TransformerTest checks loss, every gradient and the logits against it in float64 for every option),
 * without SameDiff's per-op session overhead (3.4x the CPU time on the Power config, ~10x on Nanda's, in M2.1).
 *
 * <p>Rows are position-major: row {@code j n + i} of the [3n, .] arrays is example i at position j.
 * With c = 1/sqrt(d_head), s = embedScale, and per head:
 * <pre>
 *   R = s X W_E + W_pos       (X one-hot [3n, p+1]: a row gather of W_E; its gradient a scatter-add)
 *   block:  I = LN1(R) (pre) or R;  K = I W_K;  V = I W_V;  Q_j = c I_j W_Q
 *           A_jk = softmax_{k &lt;= j}(Q_j . K_k);  Z_j = sum_{k &lt;= j} A_jk V_k
 *           U = R_q + Z W_O;  R' = LN1(U) (post) or U
 *           M = LN2(R') (pre) or R';  H = M W_in + b_in;  U' = R' + act(H) W_out + b_out
 *           out = LN2(U') (post) or U'
 *   logits = LN_final(out_2) W_U (pre) or out_2 W_U;  loss = mean cross-entropy
 * </pre>
 * LN(x) = (x - mean) / sqrt(var + 1e-5) w + b over the d features (biased variance, as PyTorch).
 *
 * <p>Last-position shortcut, where it is exact: only the residual stream at '=' (position 2) reaches
 * the loss, so the last block computes its queries, attention output, MLP and LayerNorms after
 * attention at that position only ({@code R_q} = R_2; keys and values at all three); earlier blocks
 * feed every position of the next one and compute all three (queries at position j see keys 0..j).
 * For one block this is Nanda's model at ~2.3x fewer FLOPs than the full computation. The first
 * block's input rows take only T (p + 1) distinct values, so its LN1 and projections run on tables of
 * those rows ({@link TokenTables}) when the batch has more rows than that. The backward
 * pass is the chain rule of these lines in reverse (softmax: dS = A (dA - sum_k A_k dA_k); LayerNorm:
 * dx = rstd (dy w - mean(dy w) - x^ mean(dy w x^))).
 *
 * <p>Memory. Activations, gradients and parameters live in arrays allocated outside any workspace,
 * once per batch size; the temporaries of a pass (row sums and means, the softmax denominator,
 * LayerNorm's products) are allocated in an ND4J workspace that is reset after every pass, so a
 * training step allocates no new native memory once the first pass has sized the workspace. What ops
 * still allocate outside it (op contexts, scalars) is bounded by {@link dev.grokscope.backend.NativeMemory}.
 */
final class TransformerKernel {
    /** Positions a, b, '='. */
    private static final int T = Transformer.T;
    private static final int LAST = T - 1;
    private final int d;
    private final int h;
    private final int dh;
    private final int dm;
    private final int v;
    private final int p;
    private final int layers;
    private final Norm norm;
    private final boolean gelu;
    private final boolean bias;
    private final boolean learnedPos;
    private final double embedScale;
    private final double c;
    private final DataType t;
    private final Map<String, INDArray> w;
    private final INDArray pos;
    /** Where the backward pass writes each parameter's gradient: the optimiser's slices. */
    private final Map<String, INDArray> grads;
    /** Buffers by batch size, least recently used first: training batches and evaluation chunks. */
    private final Map<Integer, Buffers> buffers = new LinkedHashMap<>(8, 0.75f, true);
    /** Training batch, its remainder, evaluation chunk and its remainder: the sizes a run cycles through. */
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

    /**
     * The kernel for {@code params}; {@code gradients} holds an array of each parameter's shape that the
     * backward pass overwrites (the optimiser's, so that a step copies nothing).
     */
    TransformerKernel(TransformerSpec spec, int p, DataType t, Map<String, INDArray> params, INDArray fixedPositions,
                      Map<String, INDArray> gradients) {
        this.d = spec.dModel();
        this.h = spec.nHeads();
        this.dh = spec.dHead();
        this.dm = spec.dMlp();
        this.v = p + 1;
        this.p = p;
        this.layers = spec.nLayers();
        this.norm = spec.layerNorm();
        this.gelu = spec.activation() == Activation.GELU;
        this.bias = spec.bias();
        this.learnedPos = spec.positional() == TransformerSpec.Positional.LEARNED;
        this.embedScale = spec.embedScale();
        this.c = 1 / Math.sqrt(dh);
        this.t = t;
        this.w = params;
        this.pos = learnedPos ? params.get("embed.W_pos") : fixedPositions;
        if (!gradients.keySet().equals(params.keySet())) {
            throw new IllegalArgumentException("one gradient array per parameter: " + gradients.keySet() + " vs " + params.keySet());
        }
        params.forEach((name, arr) -> {
            if (!Arrays.equals(arr.shape(), gradients.get(name).shape())) {
                throw new IllegalArgumentException(name + ": gradient shape " + Arrays.toString(gradients.get(name).shape())
                        + " for a parameter of " + Arrays.toString(arr.shape()));
            }
        });
        this.grads = gradients;
    }

    /** Logits [n, p] at the last position (a buffer: copy it before the next call). */
    INDArray forward(INDArray features) {
        try (MemoryWorkspace ignored = scratch()) {
            return forwardPass(features);
        }
    }

    /**
     * Gradients of the mean cross-entropy against one-hot {@code targets}, by parameter name: the arrays
     * given at construction (valid until the next call).
     */
    Map<String, INDArray> gradients(INDArray features, INDArray targets) {
        return gradients(features, targets, features.rows());
    }

    /**
     * As {@link #gradients(INDArray, INDArray)} with the loss summed over these rows and divided by
     * {@code meanOver} instead of their count: a share of a larger batch's mean ({@link ShardedKernel}).
     */
    Map<String, INDArray> gradients(INDArray features, INDArray targets, long meanOver) {
        try (MemoryWorkspace ignored = scratch()) {
            forwardPass(features);
            backwardPass(targets, meanOver);
            return grads;
        }
    }

    private static MemoryWorkspace scratch() {
        return Nd4j.getWorkspaceManager().getAndActivateWorkspace(SCRATCH, SCRATCH_ID);
    }

    // ---------------------------------------------------------------- buffers and views

    /** Arrays allocated outside every workspace. */
    private INDArray create(long rows, long cols) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(t, rows, cols);
        }
    }

    /** Views of the arrays of one buffer set, made once (a view costs a Java object and a native descriptor). */
    private static final class Views {
        static final int BLOCK = 0;
        static final int HEADS = 1;
        static final int HEAD_COLUMN = 2;
        static final int ROW = 3;
        final int n;
        final int h;
        final int dh;
        private final Map<INDArray, INDArray[][]> cache = new IdentityHashMap<>();

        Views(int n, int h, int dh) {
            this.n = n;
            this.h = h;
            this.dh = dh;
        }

        private INDArray view(INDArray a, int kind, int j) {
            INDArray[][] byKind = cache.computeIfAbsent(a, k -> new INDArray[ROW + 1][]);
            INDArray[] slots = byKind[kind];
            if (slots == null || slots.length <= j) {
                INDArray[] grown = new INDArray[Math.max(j + 1, 6)];
                if (slots != null) {
                    System.arraycopy(slots, 0, grown, 0, slots.length);
                }
                slots = byKind[kind] = grown;
            }
            INDArray v = slots[j];
            if (v == null) {
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    v = switch (kind) {
                        case BLOCK -> a.get(NDArrayIndex.interval((long) j * n, (long) (j + 1) * n), NDArrayIndex.all());
                        case HEADS -> block(a, j).reshape('c', (long) n * h, dh);
                        case HEAD_COLUMN -> row(a, j).reshape('c', (long) n * h, 1);
                        default -> a.getRow(j);
                    };
                }
                slots[j] = v;
            }
            return v;
        }

        /** Rows j n .. (j+1) n - 1 of a [m n, .] array: position j of every example. */
        INDArray block(INDArray a, int j) {
            return view(a, BLOCK, j);
        }

        /** Block j of an [m n, h*dh] array as [n*h, dh] (one row per example and head). */
        INDArray heads(INDArray a, int j) {
            return view(a, HEADS, j);
        }

        /** Row j of a [k, n*h] array as a column [n*h, 1]. */
        INDArray headColumn(INDArray a, int j) {
            return view(a, HEAD_COLUMN, j);
        }

        /** Row j of a [k, .] array. */
        INDArray row(INDArray a, int j) {
            return view(a, ROW, j);
        }
    }

    /** A LayerNorm's saved forward state over some rows: normalised input, 1/sqrt(var + eps), output. */
    private final class Ln {
        final String name;
        final INDArray xhat;
        final INDArray rstd;  // [rows, 1]
        final INDArray y;
        INDArray dy;          // gradient into y's rows (set by the caller's backward pass)

        Ln(String name, long rows) {
            this.name = name;
            xhat = create(rows, d);
            rstd = create(rows, 1);
            y = create(rows, d);
        }
    }

    /**
     * The first block's attention inputs as functions of (position, token). Its input row is
     * {@code s W_E[token] + W_pos[position]}, one of T (p + 1) distinct rows, so LN1 and the query, key
     * and value projections are computed once per distinct row (tables of T (p + 1) rows) and gathered
     * per example; their gradients are scatter-added back into the tables, and the weight gradients and
     * the gradient into the embedding are taken there (the sum over the rows of one token is the sum
     * over its table row: LN1's backward pass is linear in dy). Used where the tables are smaller than
     * the batch's rows (p + 1 < n): on Nanda's full batch 3 x 114 rows instead of 3 x 3,830.
     */
    private final class TokenTables {
        final int rows = T * v;
        final INDArray r;          // [T v, d]: row j v + tok = s W_E[tok] + W_pos[j]
        final INDArray[] rBlock;   // position j's v rows of r
        final Ln ln1;              // pre: over r
        final INDArray in;         // ln1.y (pre) or r
        final INDArray q;          // [T v, hd], scaled by c
        final INDArray k;
        final INDArray val;
        final int[] rowIdx;        // [3n] table row of each row of the batch
        final int[] queryIdx;      // table row of each query row
        INDArray dq;               // backward, allocated by the first backward pass
        INDArray dk;
        INDArray dv;
        INDArray dIn;              // [T v, d]
        INDArray dR;               // LN1's dx (pre) or dIn
        INDArray[] dRBlock;

        TokenTables(String prefix, int n, int queryRows) {
            long hd = (long) h * dh;
            r = create(rows, d);
            rBlock = new INDArray[T];
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                for (int j = 0; j < T; j++) {
                    rBlock[j] = r.get(NDArrayIndex.interval((long) j * v, (long) (j + 1) * v), NDArrayIndex.all());
                }
            }
            ln1 = norm == Norm.PRE ? new Ln(prefix + "ln1", rows) : null;
            in = norm == Norm.PRE ? ln1.y : r;
            q = create(rows, hd);
            k = create(rows, hd);
            val = create(rows, hd);
            rowIdx = new int[3 * n];
            queryIdx = new int[queryRows];
        }

        /** Table rows of the batch's rows from its tokens (position-major, as {@link Buffers#tokens}). */
        void index(int[] tokens, int n, int[] queries) {
            for (int j = 0; j < T; j++) {
                for (int i = 0; i < n; i++) {
                    rowIdx[j * n + i] = j * v + tokens[j * n + i];
                }
            }
            for (int qi = 0; qi < queries.length; qi++) {
                System.arraycopy(rowIdx, queries[qi] * n, queryIdx, qi * n, n);
            }
        }

        void ensureBackward() {
            if (dq != null) {
                return;
            }
            long hd = (long) h * dh;
            dq = create(rows, hd);
            dk = create(rows, hd);
            dv = create(rows, hd);
            dIn = create(rows, d);
            dR = norm == Norm.PRE ? create(rows, d) : dIn;
            dRBlock = new INDArray[T];
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                for (int j = 0; j < T; j++) {
                    dRBlock[j] = dR.get(NDArrayIndex.interval((long) j * v, (long) (j + 1) * v), NDArrayIndex.all());
                }
            }
        }
    }

    /** Activations and gradients of one block for one batch size. */
    private final class Block {
        final String prefix;
        final boolean last;
        /** The first block's (position, token) tables, where they pay; null: every row projected. */
        final TokenTables tables;
        /** Query positions: every one, or the last only (the shortcut). */
        final int[] queries;
        /** (query index, key position) pairs in the order of {@link #att}'s rows. */
        final int[][] pairs;
        final INDArray in;      // [3n, d] the residual stream entering the block (not owned)
        final INDArray inRows;  // in at the query positions: [nq n, d]
        final Ln ln1;           // pre: over in (3n rows); post: over u1
        final INDArray attIn;   // I: ln1.y (pre) or in
        final INDArray qIn;     // I at the query positions
        final INDArray q;       // [nq n, hd], scaled by c
        final INDArray k;       // [3n, hd]
        final INDArray val;     // [3n, hd]
        final INDArray att;     // [pairs, n h]: scores, then probabilities
        final INDArray z;       // [nq n, hd]
        final INDArray u1;      // [nq n, d] inRows + Z W_O
        final INDArray r1;      // ln1.y (post) or u1
        final Ln ln2;           // pre: over r1; post: over u2
        final INDArray mlpIn;   // ln2.y (pre) or r1
        final INDArray pre;     // [nq n, dm]
        final INDArray act;     // [nq n, dm]
        final INDArray u2;      // [nq n, d] r1 + act W_out + b_out
        final INDArray out;     // ln2.y (post) or u2
        // backward, allocated by the first backward pass
        INDArray dOut;          // given by the caller: [nq n, d]
        INDArray dU2;
        INDArray dPre;
        INDArray mask;
        INDArray dMlpIn;        // pre only
        INDArray dR1;
        INDArray dU1;
        INDArray dz;
        INDArray dAtt;
        INDArray dq;
        INDArray dk;
        INDArray dv;
        INDArray dAttIn;        // [3n, d]; pre only (otherwise dIn)
        INDArray dIn;           // [3n, d] gradient into in

        Block(int i, boolean last, INDArray in, Buffers b) {
            int n = b.n;
            long hd = (long) h * dh;
            this.prefix = "blocks." + i + ".";
            this.last = last;
            this.queries = last ? new int[] {LAST} : new int[] {0, 1, 2};
            int np = 0;
            for (int qp : queries) {
                np += qp + 1;
            }
            pairs = new int[np][];
            int idx = 0;
            for (int qi = 0; qi < queries.length; qi++) {
                for (int kp = 0; kp <= queries[qi]; kp++) {
                    pairs[idx++] = new int[] {qi, kp};
                }
            }
            long rq = (long) queries.length * n;
            this.in = in;
            this.inRows = last ? b.views.block(in, LAST) : in;
            tables = i == 0 && T * v < 3 * n ? new TokenTables(prefix, n, (int) rq) : null;
            ln1 = norm == Norm.PRE ? (tables == null ? new Ln(prefix + "ln1", 3L * n) : null)
                    : norm == Norm.POST ? new Ln(prefix + "ln1", rq) : null;
            attIn = tables != null ? null : norm == Norm.PRE ? ln1.y : in;
            qIn = attIn == null ? null : last ? b.views.block(attIn, LAST) : attIn;
            q = create(rq, hd);
            k = create(3L * n, hd);
            val = create(3L * n, hd);
            att = create(pairs.length, (long) n * h);
            z = create(rq, hd);
            u1 = create(rq, d);
            r1 = norm == Norm.POST ? ln1.y : u1;
            ln2 = norm == Norm.OFF ? null : new Ln(prefix + "ln2", rq);
            mlpIn = norm == Norm.PRE ? ln2.y : r1;
            pre = create(rq, dm);
            act = create(rq, dm);
            u2 = create(rq, d);
            out = norm == Norm.POST ? ln2.y : u2;
        }

        void ensureBackward(INDArray dOut, INDArray dIn, int n) {
            this.dOut = dOut;
            if (dU2 != null) {
                return;
            }
            long hd = (long) h * dh;
            long rq = (long) queries.length * n;
            dU2 = norm == Norm.POST ? create(rq, d) : dOut;
            dPre = create(rq, dm);
            mask = create(rq, dm);
            dMlpIn = norm == Norm.PRE ? create(rq, d) : null;
            dR1 = create(rq, d);
            dU1 = norm == Norm.POST ? create(rq, d) : dR1;
            dz = create(rq, hd);
            dAtt = create(pairs.length, (long) n * h);
            dq = create(rq, hd);
            dk = create(3L * n, hd);
            dv = create(3L * n, hd);
            this.dIn = dIn;
            dAttIn = tables != null ? null : norm == Norm.PRE ? create(3L * n, d) : dIn;
            if (tables != null) {
                tables.ensureBackward();
            }
        }
    }

    /** Everything one batch size needs. */
    private final class Buffers {
        final int n;
        final Views views;
        final int[] tokens;    // [3n] the token of each row, position-major (the one-hot x's column)
        final INDArray r0;     // [3n, d] embeddings
        final Block[] blocks;
        final Ln lnFinal;      // pre only, [n, d]
        final INDArray fin;    // [n, d] what the unembedding reads
        final INDArray logits; // [n, p]
        final INDArray ones1;  // [1, n] and [1, 3n]: column sums as a matrix product (ND4J's sum(0) is slow)
        final INDArray ones3;
        final INDArray onesTables; // [1, T v] and [1, v]: over the token tables and one position's rows
        final INDArray onesVocab;
        INDArray dFin;         // [n, d]; allocated by the first backward pass, as are the next
        INDArray dLastOut;     // [n, d] pre only (else dFin)
        INDArray[] dStream;    // dStream[i]: gradient into block i's input [3n, d]
        INDArray source;       // the features array the tokens were read from
        final RowScatter scatter = new RowScatter(); // the embedding's gradient

        Buffers(int n) {
            this.n = n;
            views = new Views(n, h, dh);
            tokens = new int[3 * n];
            r0 = create(3L * n, d);
            blocks = new Block[layers];
            INDArray stream = r0;
            for (int i = 0; i < layers; i++) {
                blocks[i] = new Block(i, i == layers - 1, stream, this);
                stream = blocks[i].out;
            }
            lnFinal = norm == Norm.PRE ? new Ln("ln_final", n) : null;
            fin = norm == Norm.PRE ? lnFinal.y : stream;
            logits = create(n, p);
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                ones1 = Nd4j.ones(t, 1, n);
                ones3 = Nd4j.ones(t, 1, 3L * n);
                onesTables = Nd4j.ones(t, 1, (long) T * v);
                onesVocab = Nd4j.ones(t, 1, v);
            }
        }

        void ensureBackward() {
            if (dFin != null) {
                return;
            }
            dFin = create(n, d);
            dLastOut = norm == Norm.PRE ? create(n, d) : dFin;
            dStream = new INDArray[layers];
            for (int i = 0; i < layers; i++) {
                dStream[i] = create(3L * n, d);
            }
            for (int i = layers - 1; i >= 0; i--) {
                blocks[i].ensureBackward(i == layers - 1 ? dLastOut : dStream[i + 1], dStream[i], n);
            }
        }

        /** {@code into = sum over rows of m}, into an array of m's width. */
        void columnSums(INDArray m, INDArray into) {
            columnSums(m, into, false);
        }

        /** {@code into = sum over rows of m} or, accumulating, {@code into += } it. */
        void columnSums(INDArray m, INDArray into, boolean accumulate) {
            long rows = m.rows();
            INDArray ones = rows == n ? ones1 : rows == 3L * n ? ones3 : rows == (long) T * v ? onesTables
                    : rows == v ? onesVocab : null;
            if (ones == null) {
                throw new IllegalStateException("no ones vector for " + rows + " rows");
            }
            Nd4j.gemm(ones, m, into.reshape('c', 1, into.length()), false, false, 1, accumulate ? 1 : 0);
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
            buf = new Buffers(n);
            buffers.put(n, buf);
        }
        if (buf.source != features) {
            for (int j = 0; j < T; j++) {
                INDArray hot = Nd4j.argMax(features.get(NDArrayIndex.all(), NDArrayIndex.interval((long) j * v, (long) (j + 1) * v)), 1);
                for (int i = 0; i < buf.n; i++) {
                    buf.tokens[j * buf.n + i] = hot.getInt(i);
                }
            }
            Block first = buf.blocks[0];
            if (first.tables != null) {
                first.tables.index(buf.tokens, buf.n, first.queries);
            }
            buf.source = features;
        }
        return buf;
    }

    // ---------------------------------------------------------------- forward

    private INDArray forwardPass(INDArray features) {
        Buffers b = buffers(features);
        TokenTables tt = b.blocks[0].tables;
        if (tt != null) { // the embedding once per (position, token), then its rows: the same numbers
            for (int j = 0; j < T; j++) {
                embed(tt.rBlock[j], w.get("embed.W_E"), j);
            }
            Nd4j.pullRows(tt.r, b.r0, 1, tt.rowIdx);
        } else {
            Nd4j.pullRows(w.get("embed.W_E"), b.r0, 1, b.tokens); // = x W_E for the one-hot x, exactly
            for (int j = 0; j < T; j++) {
                embed(b.views.block(b.r0, j), null, j);
            }
        }
        for (Block blk : b.blocks) {
            blockForward(blk, b);
        }
        if (norm == Norm.PRE) {
            layerNorm(b.lnFinal, b.blocks[layers - 1].out);
        }
        Nd4j.gemm(b.fin, w.get("unembed.W_U"), b.logits, false, false, 1, 0);
        return b.logits;
    }

    private void blockForward(Block blk, Buffers b) {
        Views vw = b.views;
        String pre = blk.prefix;
        if (blk.tables != null) {
            tableProjections(blk);
        } else {
            if (norm == Norm.PRE) {
                layerNorm(blk.ln1, blk.in);
            }
            Nd4j.gemm(blk.attIn, w.get(pre + "attn.W_K"), blk.k, false, false, 1, 0);
            Nd4j.gemm(blk.attIn, w.get(pre + "attn.W_V"), blk.val, false, false, 1, 0);
            Nd4j.gemm(blk.qIn, w.get(pre + "attn.W_Q"), blk.q, false, false, c, 0);
        }
        INDArray tmp3 = Nd4j.create(t, (long) b.n * h, dh); // scratch
        for (int idx = 0; idx < blk.pairs.length; idx++) {
            int qi = blk.pairs[idx][0];
            int kp = blk.pairs[idx][1];
            tmp3.assign(vw.heads(blk.q, qi)).muli(vw.heads(blk.k, kp));
            vw.row(blk.att, idx).assign(tmp3.sum(1));
        }
        int idx = 0;
        for (int qi = 0; qi < blk.queries.length; qi++) {
            int keys = blk.queries[qi] + 1;
            softmaxOverRows(vw, blk.att, idx, keys);
            INDArray z3 = vw.heads(blk.z, qi);
            z3.assign(0);
            for (int kp = 0; kp < keys; kp++) {
                z3.addi(tmp3.assign(vw.heads(blk.val, kp)).muliColumnVector(vw.headColumn(blk.att, idx + kp)));
            }
            idx += keys;
        }
        blk.u1.assign(blk.inRows);
        Nd4j.gemm(blk.z, w.get(pre + "attn.W_O"), blk.u1, false, false, 1, 1);
        if (norm == Norm.POST) {
            layerNorm(blk.ln1, blk.u1);
        } else if (norm == Norm.PRE) {
            layerNorm(blk.ln2, blk.r1);
        }
        Nd4j.gemm(blk.mlpIn, w.get(pre + "mlp.W_in"), blk.pre, false, false, 1, 0);
        if (bias) {
            blk.pre.addiRowVector(w.get(pre + "mlp.b_in"));
        }
        activate(blk.pre, blk.act);
        blk.u2.assign(blk.r1);
        Nd4j.gemm(blk.act, w.get(pre + "mlp.W_out"), blk.u2, false, false, 1, 1);
        if (bias) {
            blk.u2.addiRowVector(w.get(pre + "mlp.b_out"));
        }
        if (norm == Norm.POST) {
            layerNorm(blk.ln2, blk.u2);
        }
    }

    /** {@code rows = s rows + W_pos[j]} in place, after copying {@code from} into them if given. */
    private void embed(INDArray rows, INDArray from, int j) {
        if (from != null) {
            rows.assign(from);
        }
        if (embedScale != 1) {
            rows.muli(embedScale);
        }
        rows.addiRowVector(pos.getRow(j));
    }

    /** The first block's queries, keys and values on its tables (whose rows forwardPass has filled). */
    private void tableProjections(Block blk) {
        TokenTables tt = blk.tables;
        if (norm == Norm.PRE) {
            layerNorm(tt.ln1, tt.r);
        }
        Nd4j.gemm(tt.in, w.get(blk.prefix + "attn.W_K"), tt.k, false, false, 1, 0);
        Nd4j.gemm(tt.in, w.get(blk.prefix + "attn.W_V"), tt.val, false, false, 1, 0);
        Nd4j.gemm(tt.in, w.get(blk.prefix + "attn.W_Q"), tt.q, false, false, c, 0);
        Nd4j.pullRows(tt.k, blk.k, 1, tt.rowIdx);
        Nd4j.pullRows(tt.val, blk.val, 1, tt.rowIdx);
        Nd4j.pullRows(tt.q, blk.q, 1, tt.queryIdx);
    }

    /**
     * Softmax across the key positions of one query, elementwise over rows {@code first ..
     * first + keys - 1} of the scores (in place).
     */
    private static void softmaxOverRows(Views vw, INDArray att, int first, int keys) {
        INDArray max = keys == 1 ? vw.row(att, first).dup()
                : Transforms.max(vw.row(att, first), vw.row(att, first + 1), true);
        for (int kp = 2; kp < keys; kp++) {
            Transforms.max(max, vw.row(att, first + kp), false);
        }
        INDArray sum = null;
        for (int kp = 0; kp < keys; kp++) {
            INDArray row = vw.row(att, first + kp);
            Transforms.exp(row.subi(max), false);
            sum = sum == null ? row.dup() : sum.addi(row);
        }
        for (int kp = 0; kp < keys; kp++) {
            vw.row(att, first + kp).divi(sum);
        }
    }

    /** {@code ln.y = (x - mean) / sqrt(var + eps) * w + b} per row, saving x^ and 1/sqrt(var + eps). */
    private void layerNorm(Ln ln, INDArray x) {
        ln.xhat.assign(x).subiColumnVector(x.mean(true, 1));
        INDArray var = ln.xhat.mul(ln.xhat).mean(true, 1);
        ln.rstd.assign(var.addi(Transformer.LN_EPS));
        Transforms.sqrt(ln.rstd, false).rdivi(1.0);
        ln.xhat.muliColumnVector(ln.rstd);
        ln.y.assign(ln.xhat).muliRowVector(w.get(ln.name + ".w")).addiRowVector(w.get(ln.name + ".b"));
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

    // ---------------------------------------------------------------- backward

    private void backwardPass(INDArray targets, long meanOver) {
        Buffers b = buf;
        b.ensureBackward();
        // dlogits = (softmax - y) / meanOver, in place in logits
        INDArray dl = b.logits;
        dl.subiColumnVector(dl.max(1));
        Transforms.exp(dl, false);
        dl.diviColumnVector(dl.sum(1));
        dl.subi(targets).muli(1.0 / meanOver);
        Nd4j.gemm(b.fin, dl, grads.get("unembed.W_U"), true, false, 1, 0);
        Nd4j.gemm(dl, w.get("unembed.W_U"), b.dFin, false, true, 1, 0);
        if (norm == Norm.PRE) {
            layerNormBackward(b, b.lnFinal, b.dFin, b.dLastOut, false);
        }
        for (int i = layers - 1; i >= 0; i--) {
            blockBackward(b.blocks[i], b);
        }
        INDArray dr = b.dStream[0];
        TokenTables tt = b.blocks[0].tables;
        if (learnedPos) {
            INDArray gPos = grads.get("embed.W_pos");
            for (int j = 0; j < T; j++) {
                INDArray row = gPos.getRow(j);
                b.columnSums(b.views.block(dr, j), row);
                if (tt != null) {
                    b.columnSums(tt.dRBlock[j], row, true);
                }
            }
        }
        embedGradient(b, dr, tt, grads.get("embed.W_E"));
    }

    /**
     * {@code gW_E = s x^T dr} for the one-hot x: row r is s times the sum, in row order, of the rows of dr
     * whose token is r; plus, with token tables, their rows of token r at every position.
     */
    private void embedGradient(Buffers b, INDArray dr, TokenTables tt, INDArray into) {
        b.scatter.scatterAdd(dr, into, b.tokens);
        if (tt != null) {
            for (int j = 0; j < T; j++) {
                into.addi(tt.dRBlock[j]);
            }
        }
        if (embedScale != 1) {
            into.muli(embedScale);
        }
    }

    private void blockBackward(Block blk, Buffers b) {
        Views vw = b.views;
        String pre = blk.prefix;
        if (norm == Norm.POST) {
            layerNormBackward(b, blk.ln2, blk.dOut, blk.dU2, false);
        }
        Nd4j.gemm(blk.act, blk.dU2, grads.get(pre + "mlp.W_out"), true, false, 1, 0);
        if (bias) {
            b.columnSums(blk.dU2, grads.get(pre + "mlp.b_out"));
        }
        Nd4j.gemm(blk.dU2, w.get(pre + "mlp.W_out"), blk.dPre, false, true, 1, 0);
        activationGradient(blk.pre, blk.act, blk.dPre, blk.mask);
        Nd4j.gemm(blk.mlpIn, blk.dPre, grads.get(pre + "mlp.W_in"), true, false, 1, 0);
        if (bias) {
            b.columnSums(blk.dPre, grads.get(pre + "mlp.b_in"));
        }
        blk.dR1.assign(blk.dU2);
        if (norm == Norm.PRE) {
            Nd4j.gemm(blk.dPre, w.get(pre + "mlp.W_in"), blk.dMlpIn, false, true, 1, 0);
            layerNormBackward(b, blk.ln2, blk.dMlpIn, blk.dR1, true);
        } else {
            Nd4j.gemm(blk.dPre, w.get(pre + "mlp.W_in"), blk.dR1, false, true, 1, 1);
        }
        if (norm == Norm.POST) {
            layerNormBackward(b, blk.ln1, blk.dR1, blk.dU1, false);
        }
        Nd4j.gemm(blk.z, blk.dU1, grads.get(pre + "attn.W_O"), true, false, 1, 0);
        Nd4j.gemm(blk.dU1, w.get(pre + "attn.W_O"), blk.dz, false, true, 1, 0);
        attentionBackward(blk, vw, b.n);
        if (blk.tables != null) {
            tableBackward(blk, b);
            return;
        }
        Nd4j.gemm(blk.qIn, blk.dq, grads.get(pre + "attn.W_Q"), true, false, c, 0);
        Nd4j.gemm(blk.attIn, blk.dk, grads.get(pre + "attn.W_K"), true, false, 1, 0);
        Nd4j.gemm(blk.attIn, blk.dv, grads.get(pre + "attn.W_V"), true, false, 1, 0);
        Nd4j.gemm(blk.dk, w.get(pre + "attn.W_K"), blk.dAttIn, false, true, 1, 0);
        Nd4j.gemm(blk.dv, w.get(pre + "attn.W_V"), blk.dAttIn, false, true, 1, 1);
        INDArray dInRows = blk.last ? vw.block(blk.dIn, LAST) : blk.dIn;
        if (norm == Norm.PRE) {
            INDArray dQRows = blk.last ? vw.block(blk.dAttIn, LAST) : blk.dAttIn;
            Nd4j.gemm(blk.dq, w.get(pre + "attn.W_Q"), dQRows, false, true, c, 1);
            layerNormBackward(b, blk.ln1, blk.dAttIn, blk.dIn, false);
            dInRows.addi(blk.dU1);
        } else {
            // the attention reads the stream itself: its gradient is dIn already; add the residual's
            dInRows.addi(blk.dU1);
            Nd4j.gemm(blk.dq, w.get(pre + "attn.W_Q"), dInRows, false, true, c, 1);
        }
    }

    /**
     * The first block's projections backwards on its token tables: the rows' dq, dk, dv summed into their
     * table rows, the weight gradients and LN1 there; the stream's own rows get only the residual's
     * gradient (the embedding takes the tables' in {@link #embedGradient}).
     */
    private void tableBackward(Block blk, Buffers b) {
        TokenTables tt = blk.tables;
        String pre = blk.prefix;
        b.scatter.scatterAdd(blk.dq, tt.dq, tt.queryIdx);
        b.scatter.scatterAdd(blk.dk, tt.dk, tt.rowIdx);
        b.scatter.scatterAdd(blk.dv, tt.dv, tt.rowIdx);
        Nd4j.gemm(tt.in, tt.dq, grads.get(pre + "attn.W_Q"), true, false, c, 0);
        Nd4j.gemm(tt.in, tt.dk, grads.get(pre + "attn.W_K"), true, false, 1, 0);
        Nd4j.gemm(tt.in, tt.dv, grads.get(pre + "attn.W_V"), true, false, 1, 0);
        Nd4j.gemm(tt.dk, w.get(pre + "attn.W_K"), tt.dIn, false, true, 1, 0);
        Nd4j.gemm(tt.dv, w.get(pre + "attn.W_V"), tt.dIn, false, true, 1, 1);
        Nd4j.gemm(tt.dq, w.get(pre + "attn.W_Q"), tt.dIn, false, true, c, 1);
        if (norm == Norm.PRE) {
            layerNormBackward(b, tt.ln1, tt.dIn, tt.dR, false);
        }
        if (blk.last) {
            for (int j = 0; j < T; j++) {
                if (j != LAST) {
                    b.views.block(blk.dIn, j).assign(0);
                }
            }
            b.views.block(blk.dIn, LAST).assign(blk.dU1);
        } else {
            blk.dIn.assign(blk.dU1);
        }
    }

    /** dz -> dv, dk, dq (dq of the scaled queries) through the softmax attention. */
    private void attentionBackward(Block blk, Views vw, int n) {
        INDArray tmp3 = Nd4j.create(t, (long) n * h, dh); // scratch
        boolean[] touched = new boolean[T];
        for (int idx = 0; idx < blk.pairs.length; idx++) {
            int qi = blk.pairs[idx][0];
            int kp = blk.pairs[idx][1];
            INDArray dz3 = vw.heads(blk.dz, qi);
            vw.row(blk.dAtt, idx).assign(tmp3.assign(dz3).muli(vw.heads(blk.val, kp)).sum(1));
            if (touched[kp]) {
                vw.heads(blk.dv, kp).addi(tmp3.assign(dz3).muliColumnVector(vw.headColumn(blk.att, idx)));
            } else {
                vw.heads(blk.dv, kp).assign(dz3).muliColumnVector(vw.headColumn(blk.att, idx));
            }
            touched[kp] = true;
        }
        int first = 0;
        for (int qi = 0; qi < blk.queries.length; qi++) {
            int keys = blk.queries[qi] + 1;
            INDArray inner = vw.row(blk.att, first).mul(vw.row(blk.dAtt, first));
            for (int kp = 1; kp < keys; kp++) {
                inner.addi(vw.row(blk.att, first + kp).mul(vw.row(blk.dAtt, first + kp)));
            }
            for (int kp = 0; kp < keys; kp++) {
                vw.row(blk.dAtt, first + kp).subi(inner).muli(vw.row(blk.att, first + kp)); // now dScores
            }
            first += keys;
        }
        java.util.Arrays.fill(touched, false);
        first = 0;
        for (int qi = 0; qi < blk.queries.length; qi++) {
            int keys = blk.queries[qi] + 1;
            INDArray q3 = vw.heads(blk.q, qi);
            INDArray dq3 = vw.heads(blk.dq, qi);
            dq3.assign(0);
            for (int kp = 0; kp < keys; kp++) {
                INDArray ds = vw.headColumn(blk.dAtt, first + kp);
                dq3.addi(tmp3.assign(vw.heads(blk.k, kp)).muliColumnVector(ds));
                if (touched[kp]) {
                    vw.heads(blk.dk, kp).addi(tmp3.assign(q3).muliColumnVector(ds));
                } else {
                    vw.heads(blk.dk, kp).assign(q3).muliColumnVector(ds);
                }
                touched[kp] = true;
            }
            first += keys;
        }
    }

    /** Multiplies {@code grad} in place by act'(pre): relu' = [pre > 0]; gelu' = Phi(x) + x phi(x). */
    private void activationGradient(INDArray pre, INDArray act, INDArray grad, INDArray mask) {
        if (!gelu) {
            grad.muli(Transforms.sign(mask.assign(act), false));
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
     * LayerNorm's backward pass from {@code dy}: the gain and offset gradients, and
     * {@code dx = rstd (g - mean(g) - x^ mean(g x^))} with g = dy w, assigned to or added into {@code dx}.
     */
    private void layerNormBackward(Buffers b, Ln ln, INDArray dy, INDArray dx, boolean accumulate) {
        INDArray gain = w.get(ln.name + ".w");
        b.columnSums(dy.mul(ln.xhat), grads.get(ln.name + ".w"));
        b.columnSums(dy, grads.get(ln.name + ".b"));
        INDArray g = dy.mulRowVector(gain);
        INDArray meanG = g.mean(true, 1);
        INDArray meanGx = g.mul(ln.xhat).mean(true, 1);
        g.subiColumnVector(meanG).subi(ln.xhat.mulColumnVector(meanGx)).muliColumnVector(ln.rstd);
        if (accumulate) {
            dx.addi(g);
        } else {
            dx.assign(g);
        }
    }
}
