package dev.grokscope.listen;

import dev.grokscope.results.Npy;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.SpectralMetrics;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 */
public final class SpectraRecorder implements TrainingListener {
    private final RunDirectory dir;
    private final int every;
    private final Map<String, Npy.NpyAppender> spectra = new LinkedHashMap<>();
    private Npy.NpyAppender epochs;
    private CSVPrinter csv;
    private List<String> metricNames;
    private int lastRecorded = -1;

    public SpectraRecorder(RunDirectory dir, int every) {
        this.dir = dir;
        this.every = every;
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) throws IOException {
        if (ctx.epoch() % every == 0 || ctx.isLast()) {
            record(ctx.epoch(), ctx.network().matrices());
        }
    }

    private void record(int epoch, Map<String, INDArray> live) throws IOException {
        if (epoch == lastRecorded) {
            return;
        }
        Map<String, INDArray> copies = new LinkedHashMap<>();
        live.forEach((name, w) -> copies.put(name, w.dup('c'))); // never a live view
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, INDArray> m : copies.entrySet()) {
            INDArray w = m.getValue();
            double[] s = SingularValues.of(w);
            rows.add(new Row(m.getKey(), (int) w.rows(), (int) w.columns(), s,
                    SpectralMetrics.of(s, (int) w.rows(), (int) w.columns()).toMap()));
        }
        if (csv == null) {
            open(rows);
        }
        for (Row r : rows) {
            List<Object> values = new ArrayList<>();
            values.add(epoch);
            values.add(r.name);
            values.add(r.rows);
            values.add(r.cols);
            for (String k : metricNames) {
                Object v = r.metrics.get(k);
                values.add(v == null ? "" : v);
            }
            csv.printRecord(values);
            spectra.get(r.name).append(r.s);
        }
        csv.flush();
        epochs.append(new double[] {epoch});
        lastRecorded = epoch;
    }

    private void open(List<Row> first) throws IOException {
        metricNames = new ArrayList<>();
        for (String k : first.get(0).metrics.keySet()) {
            if (!k.equals("singular_values") && !k.equals("rows") && !k.equals("cols")) {
                metricNames.add(k);
            }
        }
        List<String> header = new ArrayList<>(List.of("epoch", "matrix", "rows", "cols"));
        header.addAll(metricNames);
        csv = new CSVPrinter(Files.newBufferedWriter(dir.spectraCsv(), StandardCharsets.UTF_8),
                CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build());
        csv.printRecord(header);
        for (Row r : first) {
            spectra.put(r.name, Npy.NpyAppender.create(dir.spectrum(r.name), r.s.length));
        }
        epochs = Npy.NpyAppender.createVector(dir.spectra().resolve(RunDirectory.EPOCHS));
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) throws IOException {
        IOException first = null;
        for (AutoCloseable c : closeables()) {
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
    }

    private List<AutoCloseable> closeables() {
        List<AutoCloseable> all = new ArrayList<>(spectra.values());
        if (epochs != null) {
            all.add(epochs);
        }
        if (csv != null) {
            all.add(csv);
        }
        return all;
    }

    private record Row(String name, int rows, int cols, double[] s, Map<String, Object> metrics) {
    }
}
