package dev.grokscope.data;

import java.util.Arrays;

/**
 * Pairs {@code (x, y)} of residues mod p with their labels {@code op(x, y) mod p}. Plain arrays: the
 * model decides how to encode them (one-hot vectors for an MLP, tokens for a transformer).
 */
public record ModularDataset(int p, Operation operation, int[] x, int[] y, int[] labels) {
    public ModularDataset {
        if (x.length != y.length || x.length != labels.length) {
            throw new IllegalArgumentException("x, y and labels differ in length");
        }
    }

    /** Every pair in the operation's domain, in lexicographic order of (x, y). */
    public static ModularDataset all(Operation op, int p) {
        int n = op.pairCount(p);
        int[] xs = new int[n];
        int[] ys = new int[n];
        int[] ls = new int[n];
        int i = 0;
        for (int x = 0; x < p; x++) {
            for (int y = 0; y < p; y++) {
                if (op.defined(x, y)) {
                    xs[i] = x;
                    ys[i] = y;
                    ls[i] = op.apply(x, y, p);
                    i++;
                }
            }
        }
        return new ModularDataset(p, op, xs, ys, ls);
    }

    public int size() {
        return x.length;
    }

    /** The examples at {@code indices}, in that order. */
    public ModularDataset select(int[] indices) {
        int[] xs = new int[indices.length];
        int[] ys = new int[indices.length];
        int[] ls = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            xs[i] = x[indices[i]];
            ys[i] = y[indices[i]];
            ls[i] = labels[indices[i]];
        }
        return new ModularDataset(p, operation, xs, ys, ls);
    }

    /** The same pairs with other labels. */
    public ModularDataset withLabels(int[] newLabels) {
        return new ModularDataset(p, operation, x, y, newLabels.clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModularDataset d && p == d.p && operation == d.operation && Arrays.equals(x, d.x)
                && Arrays.equals(y, d.y) && Arrays.equals(labels, d.labels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(labels) * 31 + Arrays.hashCode(x);
    }

    @Override
    public String toString() {
        return "ModularDataset[p=" + p + ", op=" + operation + ", n=" + size() + "]";
    }
}
