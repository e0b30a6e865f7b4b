package dev.grokscope.intervene;

import dev.grokscope.config.MaskSpec;
import dev.grokscope.results.Npy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Lottery-ticket masks (Frankle &amp; Carbin 2019, one-shot magnitude pruning; Yunis et al. 2024 prune
 * every 2-D weight but the output layer): 0/1 arrays of the shapes of the masked matrices.
 *
 * <p>Magnitude: over the n entries of all masked matrices together, keep the k = max(1, round(keep n))
 * largest |w| (one global threshold). Ties at the threshold are broken by position (matrices in
 * order, entries in C order, earlier kept first), so exactly k are kept. Random (the control): in each
 * matrix, as many entries as the magnitude mask keeps there, drawn uniformly without replacement
 * (a partial Fisher-Yates shuffle seeded per matrix from {@code seed}); so both masks have the same
 * per-matrix densities.
 *
 * <p>Pure functions of named arrays.
 */
public final class Mask {
    private Mask() {
    }

    /** The number a mask keeps of n entries: max(1, round(keep n)). */
    public static long kept(long n, double keep) {
        if (!(keep > 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep must be in (0, 1], got " + keep);
        }
        return Math.max(1, Math.min(n, Math.round(keep * n)));
    }

    /** The mask of {@code kind} drawn from {@code params}' values of {@code matrices}. */
    public static Map<String, Npy.Array> of(MaskSpec.Kind kind, Map<String, Npy.Array> params, List<String> matrices,
                                            double keep, long seed) {
        Map<String, Npy.Array> magnitude = magnitude(params, matrices, keep);
        return kind == MaskSpec.Kind.MAGNITUDE ? magnitude : random(magnitude, seed);
    }

    /** One global threshold: the {@link #kept} largest |w| over all {@code matrices}. */
    public static Map<String, Npy.Array> magnitude(Map<String, Npy.Array> params, List<String> matrices, double keep) {
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException("no matrices to mask");
        }
        int total = 0;
        for (String m : matrices) {
            total = Math.addExact(total, params.get(m).data().length);
        }
        double[] abs = new double[total];
        int at = 0;
        for (String m : matrices) {
            for (double v : params.get(m).data()) {
                abs[at++] = Math.abs(v);
            }
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> {
            int c = Double.compare(abs[y], abs[x]);
            return c != 0 ? c : Integer.compare(x, y);
        });
        double[] flat = new double[total];
        long k = kept(total, keep);
        for (int i = 0; i < k; i++) {
            flat[order[i]] = 1;
        }
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        at = 0;
        for (String m : matrices) {
            Npy.Array a = params.get(m);
            out.put(m, new Npy.Array(a.shape(), Arrays.copyOfRange(flat, at, at + a.data().length)));
            at += a.data().length;
        }
        return out;
    }

    /** Per matrix, as many entries as {@code like} keeps there, drawn uniformly at random. */
    public static Map<String, Npy.Array> random(Map<String, Npy.Array> like, long seed) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Npy.Array> e : like.entrySet()) {
            int n = e.getValue().data().length;
            int k = (int) count(e.getValue());
            SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * ++i));
            int[] idx = new int[n];
            for (int j = 0; j < n; j++) {
                idx[j] = j;
            }
            double[] m = new double[n];
            for (int j = 0; j < k; j++) {
                int r = j + rnd.nextInt(n - j);
                int t = idx[j];
                idx[j] = idx[r];
                idx[r] = t;
                m[idx[j]] = 1;
            }
            out.put(e.getKey(), new Npy.Array(e.getValue().shape(), m));
        }
        return out;
    }

    /** The entries a mask keeps. */
    public static long count(Npy.Array mask) {
        long c = 0;
        for (double v : mask.data()) {
            if (v != 0) {
                c++;
            }
        }
        return c;
    }

    /** The parameters with every masked matrix multiplied by its mask entry by entry (w * m). */
    public static Map<String, Npy.Array> apply(Map<String, Npy.Array> params, Map<String, Npy.Array> masks) {
        Map<String, Npy.Array> out = new LinkedHashMap<>(params);
        masks.forEach((name, m) -> {
            double[] w = params.get(name).data();
            double[] z = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                z[i] = m.data()[i] == 0 ? 0 : w[i];
            }
            out.put(name, new Npy.Array(params.get(name).shape(), z));
        });
        return out;
    }

}
