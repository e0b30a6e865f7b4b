package dev.grokscope.listen;

import dev.grokscope.train.Evaluation;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;

/**
 * Shows progress: a live bar with epoch, losses and accuracies on a terminal; plain log lines (at most
 * one per {@link #LOG_INTERVAL}, plus the first, the grokking moments and the last) in batch logs.
 */
public final class ProgressReporter implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);
    static final Duration LOG_INTERVAL = Duration.ofSeconds(15);

    /** Bar or log lines. */
    public enum Mode { BAR, LOG, NONE }

    private final Mode mode;
    private ProgressBar bar;
    private long lastLogNanos;
    private boolean trainSeen;
    private boolean valSeen;

    public ProgressReporter(Mode mode) {
        this.mode = mode;
    }

    @Override
    public void onStart(TrainingContext ctx) {
        if (mode == Mode.BAR) {
            bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(ctx.epochs())
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" ep", 1).setUpdateIntervalMillis(250)
                    .continuousUpdate().build();
        }
    }

    @Override
    public void onEvaluation(TrainingContext ctx, Evaluation e) {
        String line = String.format(Locale.ROOT, "epoch %d/%d  train loss %.4g acc %.3f  val loss %.4g acc %.3f",
                e.epoch(), ctx.epochs(), e.trainLoss(), e.trainAccuracy(), e.valLoss(), e.valAccuracy());
        boolean milestone = (!trainSeen && e.trainAccuracy() >= GrokTracker.THRESHOLD)
                || (!valSeen && e.valAccuracy() >= GrokTracker.THRESHOLD);
        trainSeen |= e.trainAccuracy() >= GrokTracker.THRESHOLD;
        valSeen |= e.valAccuracy() >= GrokTracker.THRESHOLD;
        if (mode == Mode.BAR) {
            bar.stepTo(e.epoch());
            bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3g/%.3g acc %.3f/%.3f",
                    e.trainLoss(), e.valLoss(), e.trainAccuracy(), e.valAccuracy()));
        } else if (mode == Mode.LOG) {
            long now = System.nanoTime();
            if (e.epoch() == 0 || milestone || ctx.isLast() || now - lastLogNanos >= LOG_INTERVAL.toNanos()) {
                LOG.info("{}  ({} s)", line, String.format(Locale.ROOT, "%.1f", e.elapsed().toMillis() / 1000.0));
                lastLogNanos = now;
            }
        }
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) {
        if (bar != null) {
            bar.stepTo(ctx.epoch());
        }
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) {
        if (bar != null) {
            bar.close();
        }
    }
}
