package dev.grokscope.listen;

import dev.grokscope.config.CheckpointSpec;
import dev.grokscope.results.Checkpoint;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a checkpoint at the end of an epoch — every {@code everyEpochs}, when {@code everySeconds}
 * passed since the last, and when the run is interrupted — after every other listener has written that
 * epoch's rows, so a checkpoint of epoch E means "results up to E are complete". Must be the last
 * listener.
 */
public final class CheckpointWriter implements TrainingListener {
    private final Path runDir;
    private final CheckpointSpec spec;
    private final long seed;
    private long lastNanos;
    private int lastEpoch = -1;

    public CheckpointWriter(Path runDir, CheckpointSpec spec, long seed) {
        this.runDir = runDir;
        this.spec = spec;
        this.seed = seed;
    }

    @Override
    public void onStart(TrainingContext ctx) {
        lastNanos = System.nanoTime();
        lastEpoch = ctx.resumedAfter();
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) throws IOException {
        int epoch = ctx.epoch();
        if (epoch == 0 || epoch == lastEpoch || ctx.stopStatus() == RunStatus.DIVERGED || epoch == ctx.epochs()) {
            return; // nothing trained yet, already saved, not worth resuming, or finished
        }
        boolean byEpoch = spec.everyEpochs() > 0 && epoch % spec.everyEpochs() == 0;
        boolean byTime = spec.everySeconds() > 0 && System.nanoTime() - lastNanos >= spec.everySeconds() * 1_000_000_000L;
        boolean interrupted = ctx.stopStatus() == RunStatus.INTERRUPTED;
        if (byEpoch || byTime || interrupted) {
            Checkpoint.write(runDir, epoch, ctx.step(), seed, ctx.network().parameters(),
                    ctx.network().optimizerState(), spec.keep());
            lastNanos = System.nanoTime();
            lastEpoch = epoch;
        }
    }
}
