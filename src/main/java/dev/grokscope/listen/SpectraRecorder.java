package dev.grokscope.listen;

import dev.grokscope.results.CsvLog;
import dev.grokscope.results.Npy;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.SpectralMetrics;
import dev.grokscope.spectra.Svd;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every {@code every} epochs (and at epoch 0 and the last) copies every weight matrix, computes its
 * singular values on ND4J's backend (verified: see {@link SingularValues}) and its spectral metrics, and
 * appends them: a row per matrix to spectra.csv, a row to {@code spectra/<matrix>.npy}, the epoch to
 * {@code spectra/epochs.npy}. The epochs file is appended last, so its length counts whole snapshots.
 * Weights that are not finite are not analysed: the run is stopped as diverged instead.
 */
public final class SpectraRecorder implements TrainingListener {
    private static final List<String> KEYS = List.of("epoch", "matrix", "rows", "cols");
    private final RunDirectory dir;
    private final int every;
    private final Map<String, Npy.NpyAppender> spectra = new LinkedHashMap<>();
    private Npy.NpyAppender epochs;
    private CsvLog csv;
    private List<String> metricNames;
    private int lastRecorded = -1;
    private int resumedAfter;
    private VectorDynamics vectors;
    private long nanos;
    private int snapshots;

    public SpectraRecorder(RunDirectory dir, int every) {
        this.dir = dir;
        this.every = every;
    }

    @Override
    public void onStart(TrainingContext ctx) throws IOException {
        resumedAfter = ctx.resumedAfter();
        lastRecorded = resumedAfter == 0 ? -1 : resumedAfter;
        vectors = new VectorDynamics(dir.spectra(), ctx.network().chains());
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) throws IOException {
        if (ctx.stopStatus() == RunStatus.DIVERGED) {
            return;
        }
        if (ctx.epoch() % every == 0 || ctx.isLast()) {
            Map<String, INDArray> live = ctx.network().matrices();
            for (Map.Entry<String, INDArray> m : live.entrySet()) {
                if (!finite(m.getValue())) {
                    ctx.requestStop(RunStatus.DIVERGED, m.getKey() + " has NaN or infinite entries at epoch " + ctx.epoch());
                    return;
                }
            }
            record(ctx.epoch(), live);
        }
    }

    private static boolean finite(INDArray w) {
        double s = w.sumNumber().doubleValue();
        return Double.isFinite(s) && Double.isFinite(w.norm2Number().doubleValue());
    }

    private void record(int epoch, Map<String, INDArray> live) throws IOException {
        if (epoch <= lastRecorded) {
            return;
        }
        long t0 = System.nanoTime();
        Map<String, INDArray> copies = new LinkedHashMap<>();
        live.forEach((name, w) -> copies.put(name, w.dup('c'))); // never a live view
        List<Row> rows = new ArrayList<>();
        Map<String, Svd> svds = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> m : copies.entrySet()) {
            INDArray w = m.getValue();
            Svd svd = SingularValues.full(w);
            svds.put(m.getKey(), svd);
            rows.add(new Row(m.getKey(), (int) w.rows(), (int) w.columns(), svd.s(),
                    SpectralMetrics.of(svd.s(), (int) w.rows(), (int) w.columns()).toMap()));
        }
        if (csv == null) {
            open(rows, svds);
        }
        Map<String, List<Object>> dynamics = vectors.measure(svds);
        List<List<Object>> records = new ArrayList<>();
        for (Row r : rows) {
            List<Object> values = new ArrayList<>(List.of(epoch, r.name, r.rows, r.cols));
            for (String k : metricNames) {
                Object v = r.metrics.get(k);
                values.add(v == null ? "" : v);
            }
            for (Object v : dynamics.get(r.name)) {
                values.add(v == null ? "" : v);
            }
            records.add(values);
        }
        write(records, rows, svds, epoch);
        vectors.commit(svds);
        lastRecorded = epoch;
        nanos += System.nanoTime() - t0;
        snapshots++;
    }

    /** Mean wall time of one snapshot (copy, SVDs, metrics, writes) in this session, ms; NaN before the first. */
    public double msPerSnapshot() {
        return snapshots == 0 ? Double.NaN : nanos / 1e6 / snapshots;
    }

    /** One snapshot in every file, or in none: a failed write (disk full) undoes the others. */
    private void write(List<List<Object>> records, List<Row> rows, Map<String, Svd> svds, int epoch) throws IOException {
        long csvMark = csv.mark();
        long snapshots = epochs.rows();
        try {
            csv.appendAll(records);
            for (Row r : rows) {
                spectra.get(r.name).append(r.s);
            }
            vectors.append(svds);
            epochs.append(new double[] {epoch}); // last: its length counts whole snapshots
        } catch (IOException e) {
            try {
                csv.rollback(csvMark);
                for (Npy.NpyAppender a : spectra.values()) {
                    a.truncate(snapshots);
                }
                epochs.truncate(snapshots);
                vectors.truncate(snapshots);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    private void open(List<Row> first, Map<String, Svd> svds) throws IOException {
        metricNames = new ArrayList<>();
        for (String k : first.get(0).metrics.keySet()) {
            if (!k.equals("singular_values") && !KEYS.contains(k)) {
                metricNames.add(k);
            }
        }
        List<String> header = new ArrayList<>(KEYS);
        header.addAll(metricNames);
        header.addAll(VectorDynamics.columns());
        var epochsFile = dir.spectra().resolve(RunDirectory.EPOCHS);
        if (resumedAfter > 0 && Files.exists(epochsFile)) {
            double[] had = Npy.read(epochsFile).data();
            int keep = 0;
            while (keep < had.length && had[keep] <= resumedAfter) {
                keep++;
            }
            csv = CsvLog.reopen(dir.spectraCsv(), r -> Integer.parseInt(r.get("epoch")) <= resumedAfter);
            for (Row r : first) {
                spectra.put(r.name, Npy.NpyAppender.reopen(dir.spectrum(r.name), r.s.length, keep));
            }
            epochs = Npy.NpyAppender.reopen(epochsFile, 1, keep);
            vectors.open(svds, keep, true);
        } else {
            csv = CsvLog.create(dir.spectraCsv(), header);
            for (Row r : first) {
                spectra.put(r.name, Npy.NpyAppender.create(dir.spectrum(r.name), r.s.length));
            }
            epochs = Npy.NpyAppender.createVector(epochsFile);
            vectors.open(svds, 0, false);
        }
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) throws IOException {
        IOException first = null;
        List<AutoCloseable> all = new ArrayList<>(spectra.values());
        if (epochs != null) {
            all.add(epochs);
        }
        if (csv != null) {
            all.add(csv);
        }
        if (vectors != null) {
            all.add(vectors);
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        if (epochs != null && (status == RunStatus.COMPLETED || status == RunStatus.DIVERGED)) {
            vectors.writeFinal(Npy.read(dir.spectra().resolve(RunDirectory.EPOCHS)).data());
        }
    }

    private record Row(String name, int rows, int cols, double[] s, Map<String, Object> metrics) {
    }
}
