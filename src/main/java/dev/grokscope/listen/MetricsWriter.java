package dev.grokscope.listen;

import dev.grokscope.train.Evaluation;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes metrics.csv, one row per evaluated epoch, flushed as it goes so that a reader (or a crash)
 * sees whole rows only. Numbers are Java's shortest round-trip decimal form, so equal runs write equal
 * bytes; {@code elapsed_s} is the only timing column.
 */
public final class MetricsWriter implements TrainingListener {
    /** The columns, in order. */
    public static final List<String> COLUMNS = List.of("epoch", "step", "train_loss", "train_accuracy",
            "val_loss", "val_accuracy", "weight_norm", "elapsed_s");
    private final Path file;
    private CSVPrinter out;

    public MetricsWriter(Path file) {
        this.file = file;
    }

    @Override
    public void onStart(TrainingContext ctx) throws IOException {
        Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        out = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build());
        out.printRecord(COLUMNS);
        out.flush();
    }

    @Override
    public void onEvaluation(TrainingContext ctx, Evaluation e) throws IOException {
        out.printRecord(e.epoch(), e.step(), e.trainLoss(), e.trainAccuracy(), e.valLoss(), e.valAccuracy(),
                e.weightNorm(), String.format(java.util.Locale.ROOT, "%.3f", e.elapsed().toMillis() / 1000.0));
        out.flush();
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
