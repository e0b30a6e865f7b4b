package dev.grokscope.listen;

import dev.grokscope.backend.ProcessMemory;
import dev.grokscope.train.Evaluation;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import dev.grokscope.results.CsvLog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes metrics.csv, one whole row per evaluated epoch (see {@link CsvLog}); on resume, keeps the rows
 * up to the checkpoint's epoch and continues after them. Numbers are Java's shortest round-trip decimal
 * form, so equal runs write equal bytes except in the two columns that measure the machine:
 * {@code elapsed_s} (wall time since training started) and {@code rss_mb} (the process's resident memory
 * when the row was written, in MB; empty where /proc is missing), listed in {@link #MACHINE_COLUMNS}.
 */
public final class MetricsWriter implements TrainingListener {
    /** The columns, in order. */
    public static final List<String> COLUMNS = List.of("epoch", "step", "train_loss", "train_accuracy",
            "val_loss", "val_accuracy", "weight_norm", "elapsed_s", "rss_mb");
    /** Columns that depend on the machine and the moment, not on the run's numbers. */
    public static final List<String> MACHINE_COLUMNS = List.of("elapsed_s", "rss_mb");
    private final Path file;
    private CsvLog out;

    public MetricsWriter(Path file) {
        this.file = file;
    }

    @Override
    public void onStart(TrainingContext ctx) throws IOException {
        int after = ctx.resumedAfter();
        out = after == 0 ? CsvLog.create(file, COLUMNS)
                : CsvLog.reopen(file, r -> Integer.parseInt(r.get("epoch")) <= after);
    }

    @Override
    public void onEvaluation(TrainingContext ctx, Evaluation e) throws IOException {
        out.append(List.of(e.epoch(), e.step(), e.trainLoss(), e.trainAccuracy(), e.valLoss(), e.valAccuracy(),
                e.weightNorm(), String.format(Locale.ROOT, "%.3f", e.elapsed().toMillis() / 1000.0), rssMb()));
    }

    private static String rssMb() {
        double mb = ProcessMemory.mb(ProcessMemory.rssKb());
        return Double.isNaN(mb) ? "" : Double.toString(mb);
    }

    /** Reads metrics.csv back as evaluations (elapsed time as written), e.g. to resume a run. */
    public static List<Evaluation> read(Path file) throws IOException {
        return CsvLog.read(file).stream().map(r -> new Evaluation(Integer.parseInt(r.get("epoch")),
                Long.parseLong(r.get("step")), Double.parseDouble(r.get("train_loss")),
                Double.parseDouble(r.get("train_accuracy")), Double.parseDouble(r.get("val_loss")),
                Double.parseDouble(r.get("val_accuracy")), Double.parseDouble(r.get("weight_norm")),
                java.time.Duration.ofMillis(Math.round(Double.parseDouble(r.get("elapsed_s")) * 1000)))).toList();
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
