package dev.grokscope.listen;

import dev.grokscope.train.Evaluation;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;

/** Stops the run as {@code diverged} at the first evaluation whose loss or weight norm is NaN or infinite. */
public final class DivergenceGuard implements TrainingListener {
    private Integer divergedAt;

    @Override
    public void onEvaluation(TrainingContext ctx, Evaluation e) {
        if (!e.finite() && divergedAt == null) {
            divergedAt = e.epoch();
            ctx.requestStop(RunStatus.DIVERGED, "loss or weights not finite at epoch " + e.epoch()
                    + " (train loss " + e.trainLoss() + ", weight norm " + e.weightNorm() + ")");
        }
    }

    /** The epoch at which divergence was seen, or null. */
    public Integer divergedAt() {
        return divergedAt;
    }
}
