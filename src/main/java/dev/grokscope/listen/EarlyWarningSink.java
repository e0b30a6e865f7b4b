package dev.grokscope.listen;

import dev.grokscope.snapshot.AnalysedMatrix;
import dev.grokscope.snapshot.AnalysedSnapshot;
import dev.grokscope.snapshot.SnapshotSink;
import dev.grokscope.warn.SpectralWarning;
import dev.grokscope.warn.Warning;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spectral early warning of grokking, online: every analysed snapshot goes through the
 * pre-registered {@link SpectralWarning} rule (no validation data, no look-ahead); when it fires, the
 * log says so, and summary.json records {@link #summaryFields()}. A resumed run first replays the
 * spectra.csv rows it kept, so the rule's running maxima (and a warning that already fired) carry over.
 */
public final class EarlyWarningSink implements SnapshotSink {
    private static final Logger LOG = LoggerFactory.getLogger(EarlyWarningSink.class);

    private final Path spectraCsv;
    private SpectralWarning detector = SpectralWarning.preRegistered();
    /**
     * The detector before the last snapshot, for {@link #undo}; null after an undo. (Keeping the
     * snapshots themselves to replay them grew the heap by every snapshot's spectra and vectors.)
     */
    private SpectralWarning beforeLast;

    /** @param spectraCsv the run's spectra.csv, replayed when the run resumes */
    public EarlyWarningSink(Path spectraCsv) {
        this.spectraCsv = spectraCsv;
    }

    @Override
    public void open(AnalysedSnapshot first, Resume resume) throws IOException {
        beforeLast = null;
        detector = SpectralWarning.replayed(resume.resuming() && Files.isRegularFile(spectraCsv)
                ? rows(spectraCsv, resume.afterEpoch()) : List.of());
    }

    @Override
    public void append(AnalysedSnapshot snapshot) {
        beforeLast = detector.copy();
        observe(detector, snapshot).ifPresent(w -> LOG.warn("spectral early warning at epoch {}: {} on {} "
                + "(grokking may follow; {})", w.epoch(), SpectralWarning.METRIC, w.matrix(), w.rule()));
    }

    /** A later sink could not take the snapshot: forget it, by going back to the detector before it. */
    @Override
    public void undo() {
        if (beforeLast != null) {
            detector = beforeLast;
            beforeLast = null;
        }
    }

    @Override
    public void close() {
    }

    /** spectral_warning_epoch, spectral_warning_matrix and spectral_warning_rule for summary.json. */
    public Map<String, Object> summaryFields() {
        return detector.summaryFields();
    }

    /** The warning, once the rule has fired. */
    public Optional<Warning> warning() {
        return detector.warning();
    }

    private static Optional<Warning> observe(SpectralWarning d, AnalysedSnapshot s) {
        Map<String, Map<String, Object>> byMatrix = new LinkedHashMap<>();
        for (AnalysedMatrix m : s.matrices()) {
            byMatrix.put(m.name(), m.metrics().toMap());
        }
        return d.observe(s.epoch(), byMatrix);
    }

    /** spectra.csv rows up to {@code afterEpoch}, as column -> cell. */
    private static List<Map<String, String>> rows(Path csv, int afterEpoch) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(in)) {
            for (CSVRecord r : p) {
                if (r.isConsistent() && Integer.parseInt(r.get("epoch")) <= afterEpoch) {
                    out.add(r.toMap());
                }
            }
        }
        return out;
    }
}
