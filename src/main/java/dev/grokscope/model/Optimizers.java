package dev.grokscope.model;

import dev.grokscope.config.OptimizerSpec;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.RampSchedule;

/**
 * Turns an {@link OptimizerSpec} into a DL4J updater. Weight decay is not part of the updater: the
 * network builders add DL4J's {@code WeightDecay(coeff, applyLR = true)}, which is applied after the
 * updater and so is decoupled, {@code w <- w - lr * (update + coeff * w)}: AdamW with Adam.
 */
public final class Optimizers {
    private Optimizers() {
    }

    public static IUpdater updater(OptimizerSpec spec) {
        ISchedule lr = schedule(spec);
        return switch (spec.type()) {
            case ADAMW -> Adam.builder().learningRate(spec.lr()).learningRateSchedule(lr)
                    .beta1(spec.beta1()).beta2(spec.beta2()).epsilon(spec.eps()).build();
            case SGD -> new HeavyBall(spec.lr(), spec.momentum(), lr);
        };
    }

    /** Linear warm-up over {@code warmupSteps} (DL4J's ramp: lr * (t + 1) / n for t < n), then constant. */
    static ISchedule schedule(OptimizerSpec spec) {
        ISchedule fixed = new FixedSchedule(spec.lr());
        return spec.warmupSteps() > 0 ? new RampSchedule(fixed, spec.warmupSteps()) : fixed;
    }
}
