package dev.grokscope.intervene;

import dev.grokscope.config.Experiment;
import dev.grokscope.config.MlpSpec;
import dev.grokscope.config.TransformerSpec;
import dev.grokscope.results.Npy;
import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.Svd;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Low-rank truncation of weight matrices (Yunis et al. 2024, section 4: "low-rank pruning").
 *
 * <p>For W = sum_{i=1..k} s_i u_i v_i^T (k = min(m, n), s descending; the verified SVD of
 * {@link SingularValues#full}), the top part keeps the first r components, W_top = sum_{i<=r} s_i u_i
 * v_i^T, and the bottom part the rest, W_bottom = sum_{i>r} s_i u_i v_i^T = W - W_top. The kept rank is
 * r = ceil(f k) for a fraction f in (0, 1), or r = min(R, k) for a fixed rank R. Yunis find that after
 * grokking the top half carries the network's function and the bottom half is near chance.
 *
 * <p>Pure functions of named arrays: every other parameter (biases, and the output layer, which Yunis
 * leave dense) is passed through unchanged.
 */
public final class LowRank {
    /** Which components a truncated matrix keeps. */
    public enum Part {
        /** the r largest singular components */
        TOP,
        /** the k - r smallest */
        BOTTOM;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * How many components the top part keeps: {@code ceil(fraction * k)}, or {@code min(rank, k)} when
     * {@code rank > 0}.
     */
    public record Cut(double fraction, int rank) {
        public Cut {
            if (rank < 0 || (rank == 0 && !(fraction > 0 && fraction < 1))) {
                throw new IllegalArgumentException("a cut is a fraction in (0, 1) or a rank >= 1, got " + fraction + ", " + rank);
            }
        }

        public static Cut fraction(double f) {
            return new Cut(f, 0);
        }

        public static Cut rank(int r) {
            return new Cut(Double.NaN, r);
        }

        /** r for a matrix with k singular values. */
        public int topRank(int k) {
            return rank > 0 ? Math.min(rank, k) : (int) Math.min(k, Math.ceil(fraction * k));
        }
    }

    private LowRank() {
    }

    /**
     * The weight matrices of an experiment's network that truncation applies to: all of {@code matrices}
     * except the output layer (the MLP's last layer {@code layers.<depth>.W}; the transformer's
     * unembedding {@code unembed.W_U}).
     */
    public static List<String> truncatable(Experiment e, Collection<String> matrices) {
        String out = outputLayer(e);
        List<String> l = new ArrayList<>();
        for (String m : matrices) {
            if (!m.equals(out)) {
                l.add(m);
            }
        }
        return l;
    }

    /** The name of the output layer's weight matrix. */
    public static String outputLayer(Experiment e) {
        if (e.model() instanceof MlpSpec m) {
            return "layers." + m.depth() + ".W";
        }
        if (e.model() instanceof TransformerSpec) {
            return "unembed.W_U";
        }
        throw new IllegalArgumentException("no output layer known for " + e.model().getClass().getSimpleName());
    }

    /** The SVDs of the named 2-D parameters, computed once and shared by the top and bottom parts. */
    public static Map<String, Svd> decompose(Map<String, Npy.Array> params, Collection<String> matrices) {
        Map<String, Svd> out = new LinkedHashMap<>();
        for (String m : matrices) {
            Npy.Array a = params.get(m);
            if (a == null || a.shape().length != 2) {
                throw new IllegalArgumentException(m + ": not a 2-D parameter");
            }
            out.put(m, SingularValues.full(a.matrix()));
        }
        return out;
    }

    /** The parameters with every decomposed matrix replaced by its {@code part} at {@code cut}. */
    public static Map<String, Npy.Array> truncate(Map<String, Npy.Array> params, Map<String, Svd> svds, Part part, Cut cut) {
        Map<String, Npy.Array> out = new LinkedHashMap<>(params);
        svds.forEach((name, svd) -> {
            int r = cut.topRank(svd.rank());
            double[][] w = part == Part.TOP ? sum(svd, 0, r) : sum(svd, r, svd.rank());
            out.put(name, new Npy.Array(params.get(name).shape(), flatten(w)));
        });
        return out;
    }

    /** sum_{from <= i < to} s_i u_i v_i^T, m x n. */
    static double[][] sum(Svd svd, int from, int to) {
        int m = svd.rows();
        int n = svd.cols();
        double[][] w = new double[m][n];
        double[][] u = svd.u();
        double[][] v = svd.v();
        double[] s = svd.s();
        for (int i = 0; i < m; i++) {
            double[] row = w[i];
            for (int c = from; c < to; c++) {
                double f = s[c] * u[i][c];
                if (f == 0) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    row[j] += f * v[j][c];
                }
            }
        }
        return w;
    }

    private static double[] flatten(double[][] w) {
        int n = w.length == 0 ? 0 : w[0].length;
        double[] d = new double[w.length * n];
        for (int i = 0; i < w.length; i++) {
            System.arraycopy(w[i], 0, d, i * n, n);
        }
        return d;
    }
}
