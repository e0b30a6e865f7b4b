package dev.grokscope.spectra;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Agreement of singular vectors between two matrices (Yunis et al. 2024, "Grokking, rank minimization
 * and generalization in deep learning", evaluate_run.py).
 *
 * <p>Conventions: W = U diag(s) V^T with singular vectors as the columns of U (left) and V (right), as
 * in {@link Svd} and numpy's {@code U, s, Vh = svd(W)} with V = Vh^T. Only the first k pairs (largest
 * singular values) count; when a matrix has fewer than k singular values the mean runs over
 * min(k, rank) pairs, as slicing {@code [:k]} does in Python.
 *
 * <p>Singular vector agreement (SVA) of A (e.g. W at step t) and B (e.g. final W), same shape:
 * S = |(U_A^T U_B) ∘ (V_A^T V_B)| element-wise, score = (1/k) sum_{i<k} S_ii
 * = (1/k) sum_i |(u_A,i . u_B,i)(v_A,i . v_B,i)|. A simultaneous sign flip of (u_i, v_i), which every
 * SVD may make, leaves it unchanged. Near-equal singular values make their vectors ill-defined, and
 * the score with them.
 *
 * <p>Consecutive-layer alignment of layer l and layer l+1 in the PyTorch orientation (W is out x in,
 * x_{l+1} = W_l x_l): |V_{l+1}^T U_l|, score = (1/k) sum_{i<k} |v_{l+1,i} . u_{l,i}|; U_l and V_{l+1}
 * both live in the space between the layers, so W_l.rows must equal W_{l+1}.cols. DL4J stores dense
 * weights as in x out: pass their transposes, or equivalently swap roles (|U_{l+1}^T V_l|).
 */
public final class VectorAgreement {
    /** Number of leading singular pairs Yunis et al. average over. */
    public static final int DEFAULT_K = 10;

    private VectorAgreement() {
    }

    /** SVA of two same-shape matrices over the top {@value #DEFAULT_K} pairs (computes both SVDs). */
    public static double singularVectorAgreement(INDArray a, INDArray b) {
        return singularVectorAgreement(SingularValues.full(a), SingularValues.full(b), DEFAULT_K);
    }

    /**
     * SVA = mean_{i<k} |(u_A,i . u_B,i)(v_A,i . v_B,i)|, the mean of the first k diagonal entries of
     * |(U_A^T U_B) ∘ (V_A^T V_B)|.
     *
     * @throws IllegalArgumentException if the shapes differ or k < 1
     */
    public static double singularVectorAgreement(Svd a, Svd b, int k) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException("singular vector agreement needs equal shapes, got " + a.rows() + "x"
                    + a.cols() + " and " + b.rows() + "x" + b.cols());
        }
        int kk = pairs(k, a.rank());
        double sum = 0;
        for (int i = 0; i < kk; i++) {
            sum += Math.abs(columnDot(a.u(), b.u(), i, i) * columnDot(a.v(), b.v(), i, i));
        }
        return sum / kk;
    }

    /**
     * The k x k agreement matrix S_ij = |(u_A,i . u_B,j)(v_A,i . v_B,j)| of the leading pairs, whose
     * diagonal {@link #singularVectorAgreement(Svd, Svd, int)} averages; off-diagonal mass shows
     * vectors that swapped order.
     */
    public static double[][] agreementMatrix(Svd a, Svd b, int k) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException("agreement matrix needs equal shapes, got " + a.rows() + "x" + a.cols()
                    + " and " + b.rows() + "x" + b.cols());
        }
        int kk = pairs(k, a.rank());
        double[][] s = new double[kk][kk];
        for (int i = 0; i < kk; i++) {
            for (int j = 0; j < kk; j++) {
                s[i][j] = Math.abs(columnDot(a.u(), b.u(), i, j) * columnDot(a.v(), b.v(), i, j));
            }
        }
        return s;
    }

    /**
     * Consecutive-layer alignment mean_{i<k} |v_{l+1,i} . u_{l,i}| (PyTorch orientation, see class
     * comment).
     *
     * @throws IllegalArgumentException if W_l.rows != W_{l+1}.cols or k < 1
     */
    public static double layerAlignment(Svd lower, Svd upper, int k) {
        if (lower.rows() != upper.cols()) {
            throw new IllegalArgumentException("layer alignment needs W_l.rows == W_{l+1}.cols (out x in weights), got "
                    + lower.rows() + "x" + lower.cols() + " then " + upper.rows() + "x" + upper.cols());
        }
        int kk = pairs(k, Math.min(lower.rank(), upper.rank()));
        double sum = 0;
        for (int i = 0; i < kk; i++) {
            sum += Math.abs(columnDot(upper.v(), lower.u(), i, i));
        }
        return sum / kk;
    }

    private static int pairs(int k, int rank) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        return Math.min(k, rank);
    }

    /** Dot product of column i of x with column j of y (same number of rows). */
    private static double columnDot(double[][] x, double[][] y, int i, int j) {
        double sum = 0;
        for (int r = 0; r < x.length; r++) {
            sum += x[r][i] * y[r][j];
        }
        return sum;
    }
}
