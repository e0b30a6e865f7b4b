package dev.grokscope.listen;

import dev.grokscope.results.CsvLog;
import dev.grokscope.results.Npy;
import dev.grokscope.spectra.Svd;
import dev.grokscope.spectra.VectorAgreement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Singular-vector dynamics (Yunis et al. 2024) for {@link SpectraRecorder}: per snapshot, each matrix's
 * agreement with its previous snapshot ({@code sva_prev}) and its alignment with the next matrix of its
 * chain ({@code align_next}); at the end, every snapshot's agreement with the final one
 * ({@code spectra/sva_final.csv}). The top {@value VectorAgreement#DEFAULT_K} singular vectors of every
 * snapshot are kept on disk, in {@code spectra/vectors/<matrix>.U.npy} (S x m*k, row-major m x k per
 * snapshot) and {@code .V.npy} (S x n*k), so the end-of-run agreement also covers resumed runs.
 */
final class VectorDynamics implements AutoCloseable {
    static final int K = VectorAgreement.DEFAULT_K;
    static final String FINAL_CSV = "sva_final.csv";
    private final Path dir;
    private final Map<String, String> next = new HashMap<>();
    private final Map<String, Npy.NpyAppender> us = new LinkedHashMap<>();
    private final Map<String, Npy.NpyAppender> vs = new LinkedHashMap<>();
    private final Map<String, Svd> previous = new HashMap<>();

    VectorDynamics(Path spectraDir, List<List<String>> chains) {
        this.dir = spectraDir.resolve("vectors");
        for (List<String> chain : chains) {
            for (int i = 0; i + 1 < chain.size(); i++) {
                next.put(chain.get(i), chain.get(i + 1));
            }
        }
    }

    /** The two per-snapshot columns this adds to spectra.csv. */
    static List<String> columns() {
        return List.of("sva_prev", "align_next");
    }

    /** Values of {@link #columns()} for each matrix of a snapshot (null where undefined). */
    Map<String, List<Object>> measure(Map<String, Svd> snapshot) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Svd> e : snapshot.entrySet()) {
            Svd top = top(e.getValue());
            Svd prev = previous.get(e.getKey());
            Object sva = prev == null ? null : VectorAgreement.singularVectorAgreement(prev, top, K);
            String n = next.get(e.getKey());
            Object align = n == null || !snapshot.containsKey(n) ? null
                    : VectorAgreement.layerAlignment(transpose(top), transpose(top(snapshot.get(n))), K);
            List<Object> values = new ArrayList<>();
            values.add(sva);
            values.add(align);
            out.put(e.getKey(), values);
        }
        return out;
    }

    /** Opens the vector files (new, or keeping {@code keep} snapshots when resuming). */
    void open(Map<String, Svd> first, long keep, boolean resume) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, Svd> e : first.entrySet()) {
            Svd t = top(e.getValue());
            int uc = t.rows() * t.rank();
            int vc = t.cols() * t.rank();
            Path u = dir.resolve(e.getKey() + ".U.npy");
            Path v = dir.resolve(e.getKey() + ".V.npy");
            boolean reopen = resume && Files.exists(u) && Files.exists(v);
            us.put(e.getKey(), reopen ? Npy.NpyAppender.reopen(u, uc, keep) : Npy.NpyAppender.create(u, uc));
            vs.put(e.getKey(), reopen ? Npy.NpyAppender.reopen(v, vc, keep) : Npy.NpyAppender.create(v, vc));
            if (reopen && keep > 0) {
                previous.put(e.getKey(), readSnapshot(e.getKey(), (int) keep - 1, t.rows(), t.cols(), t.rank()));
            }
        }
    }

    /** Appends the snapshot's top vectors (part of {@link SpectraRecorder}'s all-or-nothing write). */
    void append(Map<String, Svd> snapshot) throws IOException {
        for (Map.Entry<String, Svd> e : snapshot.entrySet()) {
            Svd t = top(e.getValue());
            us.get(e.getKey()).append(flatten(t.u()));
            vs.get(e.getKey()).append(flatten(t.v()));
        }
    }

    /** After a successful snapshot: it becomes the previous one. */
    void commit(Map<String, Svd> snapshot) {
        snapshot.forEach((k, v) -> previous.put(k, top(v)));
    }

    void truncate(long snapshots) throws IOException {
        for (Npy.NpyAppender a : us.values()) {
            a.truncate(snapshots);
        }
        for (Npy.NpyAppender a : vs.values()) {
            a.truncate(snapshots);
        }
    }

    /** Writes sva_final.csv: each snapshot's agreement with the last, per matrix. */
    void writeFinal(double[] epochs) throws IOException {
        Path tmp = dir.resolveSibling(FINAL_CSV);
        try (CsvLog out = CsvLog.create(tmp, List.of("epoch", "matrix", "sva_final"))) {
            for (Map.Entry<String, Npy.NpyAppender> e : us.entrySet()) {
                Svd last = previous.get(e.getKey());
                if (last == null) {
                    continue;
                }
                int rows = (int) Math.min(epochs.length, e.getValue().rows());
                List<List<?>> records = new ArrayList<>();
                Npy.Array u = Npy.read(dir.resolve(e.getKey() + ".U.npy"));
                Npy.Array v = Npy.read(dir.resolve(e.getKey() + ".V.npy"));
                for (int i = 0; i < rows; i++) {
                    Svd s = snapshot(u, v, i, last.rows(), last.cols(), last.rank());
                    records.add(List.of((int) epochs[i], e.getKey(), VectorAgreement.singularVectorAgreement(s, last, K)));
                }
                out.appendAll(records);
            }
        }
    }

    private Svd readSnapshot(String name, int index, int m, int n, int k) {
        return snapshot(Npy.read(dir.resolve(name + ".U.npy")), Npy.read(dir.resolve(name + ".V.npy")), index, m, n, k);
    }

    private static Svd snapshot(Npy.Array u, Npy.Array v, int i, int m, int n, int k) {
        return new Svd(unflatten(u.data(), i * m * k, m, k), new double[k], unflatten(v.data(), i * n * k, n, k));
    }

    @Override
    public void close() throws IOException {
        for (Npy.NpyAppender a : us.values()) {
            a.close();
        }
        for (Npy.NpyAppender a : vs.values()) {
            a.close();
        }
    }

    /** The leading K singular triplets. */
    static Svd top(Svd s) {
        int k = Math.min(K, s.rank());
        if (k == s.rank()) {
            return s;
        }
        return new Svd(columns(s.u(), k), java.util.Arrays.copyOf(s.s(), k), columns(s.v(), k));
    }

    private static Svd transpose(Svd s) {
        return new Svd(s.v(), s.s(), s.u());
    }

    private static double[][] columns(double[][] x, int k) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = java.util.Arrays.copyOf(x[i], k);
        }
        return out;
    }

    private static double[] flatten(double[][] x) {
        int c = x[0].length;
        double[] out = new double[x.length * c];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, out, i * c, c);
        }
        return out;
    }

    private static double[][] unflatten(double[] data, int offset, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(data, offset + i * cols, out[i], 0, cols);
        }
        return out;
    }
}
