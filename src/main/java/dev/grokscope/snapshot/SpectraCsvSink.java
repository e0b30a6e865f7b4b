package dev.grokscope.snapshot;

import dev.grokscope.results.CsvLog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * spectra.csv: one row per snapshot x matrix, columns {@code epoch, matrix, rows, cols}, every metric of
 * {@link dev.grokscope.spectra.SpectralMetrics#toMap()} in its order, then {@link VectorDynamics#COLUMNS};
 * undefined values are empty.
 */
public final class SpectraCsvSink implements SnapshotSink {
    private static final List<String> KEYS = List.of("epoch", "matrix", "rows", "cols");
    private final Path file;
    private CsvLog csv;
    private List<String> metricNames;
    private long mark;

    public SpectraCsvSink(Path file) {
        this.file = file;
    }

    @Override
    public void open(AnalysedSnapshot first, Resume resume) throws IOException {
        metricNames = new ArrayList<>();
        for (String k : first.matrices().get(0).metrics().toMap().keySet()) {
            if (!KEYS.contains(k)) {
                metricNames.add(k);
            }
        }
        if (resume.resuming() && file.toFile().exists()) {
            csv = CsvLog.reopen(file, r -> Integer.parseInt(r.get("epoch")) <= resume.afterEpoch());
        } else {
            List<String> header = new ArrayList<>(KEYS);
            header.addAll(metricNames);
            header.addAll(VectorDynamics.COLUMNS);
            csv = CsvLog.create(file, header);
        }
    }

    @Override
    public void append(AnalysedSnapshot snapshot) throws IOException {
        List<List<Object>> records = new ArrayList<>();
        for (AnalysedMatrix m : snapshot.matrices()) {
            List<Object> values = new ArrayList<>(List.of(snapshot.epoch(), m.name(), m.rows(), m.cols()));
            Map<String, Object> metrics = m.metrics().toMap();
            for (String k : metricNames) {
                values.add(orEmpty(metrics.get(k)));
            }
            values.add(orEmpty(m.svaPrev()));
            values.add(orEmpty(m.alignNext()));
            records.add(values);
        }
        mark = csv.mark();
        csv.appendAll(records);
    }

    @Override
    public void undo() throws IOException {
        csv.rollback(mark);
    }

    @Override
    public void close() throws IOException {
        if (csv != null) {
            csv.close();
        }
    }

    private static Object orEmpty(Object v) {
        return v == null ? "" : v;
    }
}
