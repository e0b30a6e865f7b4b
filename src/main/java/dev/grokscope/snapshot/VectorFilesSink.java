package dev.grokscope.snapshot;

import dev.grokscope.results.CsvLog;
import dev.grokscope.results.Npy;
import dev.grokscope.spectra.Svd;
import dev.grokscope.spectra.VectorAgreement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The top {@value VectorDynamics#K} singular vectors of every snapshot, in
 * {@code spectra/vectors/<matrix>.U.npy} (S x m*k, row-major m x k per snapshot) and {@code .V.npy}
 * (S x n*k), and at the end of a complete run {@code spectra/sva_final.csv}: each snapshot's agreement
 * with the final one (columns {@code epoch, matrix, sva_final}). Keeping the vectors on disk lets the
 * end-of-run agreement cover resumed runs too.
 */
public final class VectorFilesSink implements SnapshotSink {
    /** The end-of-run agreement file, beside the vectors directory. */
    public static final String FINAL_CSV = "sva_final.csv";
    private final Path dir;
    private final Map<String, Npy.NpyAppender> us = new LinkedHashMap<>();
    private final Map<String, Npy.NpyAppender> vs = new LinkedHashMap<>();
    private final Map<String, Integer> ranks = new LinkedHashMap<>();
    private long rows;
    private long before;

    /** @param spectraDir the run's {@code spectra/} directory */
    public VectorFilesSink(Path spectraDir) {
        this.dir = spectraDir.resolve("vectors");
    }

    @Override
    public void open(AnalysedSnapshot first, Resume resume) throws IOException {
        Files.createDirectories(dir);
        for (AnalysedMatrix m : first.matrices()) {
            Svd t = m.spectrum().top();
            ranks.put(m.name(), t.rank());
            Path u = u(m.name());
            Path v = v(m.name());
            boolean reopen = resume.resuming() && Files.exists(u) && Files.exists(v);
            us.put(m.name(), reopen ? Npy.NpyAppender.reopen(u, t.rows() * t.rank(), resume.snapshots())
                    : Npy.NpyAppender.create(u, t.rows() * t.rank()));
            vs.put(m.name(), reopen ? Npy.NpyAppender.reopen(v, t.cols() * t.rank(), resume.snapshots())
                    : Npy.NpyAppender.create(v, t.cols() * t.rank()));
        }
        rows = us.values().iterator().next().rows();
    }

    /**
     * The leading triplets of snapshot {@code index} as written (values are not stored: zeros), for each
     * matrix of {@code like} whose files hold it with that matrix's shape; read when a run resumes.
     */
    Map<String, Svd> read(int index, Snapshot like) {
        Map<String, Svd> out = new LinkedHashMap<>();
        for (Snapshot.Matrix e : like.matrices()) {
            int m = e.rows();
            int n = e.cols();
            int k = Math.min(VectorDynamics.K, Math.min(m, n));
            if (!Files.exists(u(e.name())) || !Files.exists(v(e.name()))) {
                continue;
            }
            try (Npy.Rows u = Npy.Rows.open(u(e.name())); Npy.Rows v = Npy.Rows.open(v(e.name()))) {
                if (u.rows() > index && v.rows() > index && u.cols() == m * k && v.cols() == n * k) {
                    out.put(e.name(), snapshot(u.row(index), v.row(index), m, n, k));
                }
            } catch (IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        }
        return out;
    }

    @Override
    public void append(AnalysedSnapshot snapshot) throws IOException {
        before = rows;
        rows++;
        for (AnalysedMatrix m : snapshot.matrices()) {
            Svd t = m.spectrum().top();
            us.get(m.name()).append(flatten(t.u()));
            vs.get(m.name()).append(flatten(t.v()));
        }
    }

    @Override
    public void undo() throws IOException {
        rows = before;
        for (Npy.NpyAppender a : us.values()) {
            a.truncate(before);
        }
        for (Npy.NpyAppender a : vs.values()) {
            a.truncate(before);
        }
    }

    /**
     * Writes sva_final.csv when the run is complete: each snapshot's agreement with the last, per matrix.
     * The vector files are read a snapshot at a time: held whole, a 1,500-epoch quickstart's took 500 MB
     * of heap at the very end of the run.
     */
    @Override
    public void finish(boolean complete) throws IOException {
        close();
        if (!complete || us.isEmpty()) {
            return;
        }
        Path epochsFile = dir.resolveSibling(dev.grokscope.results.RunDirectory.EPOCHS);
        double[] epochs = Npy.read(epochsFile).data();
        try (CsvLog out = CsvLog.create(dir.resolveSibling(FINAL_CSV), List.of("epoch", "matrix", "sva_final"))) {
            for (String name : us.keySet()) {
                try (Npy.Rows u = Npy.Rows.open(u(name)); Npy.Rows v = Npy.Rows.open(v(name))) {
                    int n = Math.min(epochs.length, Math.min(u.rows(), v.rows()));
                    if (n == 0) {
                        continue;
                    }
                    int k = kOf(name);
                    int m = u.cols() / k;
                    int c = v.cols() / k;
                    Svd fin = snapshot(u.row(n - 1), v.row(n - 1), m, c, k);
                    // one snapshot's rows and triplets, refilled for each: nothing allocated per snapshot
                    double[] uRow = new double[u.cols()];
                    double[] vRow = new double[v.cols()];
                    Svd s = new Svd(new double[m][k], new double[k], new double[c][k]);
                    List<List<?>> records = new ArrayList<>();
                    for (int i = 0; i < n - 1; i++) {
                        fill(s.u(), u.row(i, uRow));
                        fill(s.v(), v.row(i, vRow));
                        records.add(List.of((int) epochs[i], name,
                                VectorAgreement.singularVectorAgreement(s, fin, VectorDynamics.K)));
                    }
                    records.add(List.of((int) epochs[n - 1], name,
                            VectorAgreement.singularVectorAgreement(fin, fin, VectorDynamics.K)));
                    out.appendAll(records);
                }
            }
        }
    }

    private int kOf(String name) {
        return ranks.get(name);
    }

    @Override
    public void close() throws IOException {
        Npy.closeAll(us.values(), vs.values());
    }

    private Path u(String name) {
        return dir.resolve(name + ".U.npy");
    }

    private Path v(String name) {
        return dir.resolve(name + ".V.npy");
    }

    /** One snapshot's triplets from its rows of the U and V files (values are not stored: zeros). */
    private static Svd snapshot(double[] u, double[] v, int m, int n, int k) {
        return new Svd(unflatten(u, 0, m, k), new double[k], unflatten(v, 0, n, k));
    }

    private static double[] flatten(double[][] x) {
        int c = x[0].length;
        double[] out = new double[x.length * c];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, out, i * c, c);
        }
        return out;
    }

    /** The rows of {@code into} from {@code data}, row after row. */
    private static void fill(double[][] into, double[] data) {
        int cols = into[0].length;
        for (int i = 0; i < into.length; i++) {
            System.arraycopy(data, i * cols, into[i], 0, cols);
        }
    }

    private static double[][] unflatten(double[] data, int offset, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(data, offset + i * cols, out[i], 0, cols);
        }
        return out;
    }
}
