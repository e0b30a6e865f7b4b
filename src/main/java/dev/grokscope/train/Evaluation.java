package dev.grokscope.train;

import java.time.Duration;

/**
 * Loss and accuracy on both splits at one epoch, after that epoch's steps.
 *
 * @param trainLoss data loss on the training set (no weight-decay term)
 * @param weightNorm the global L2 norm of every parameter, sqrt(sum ||theta||^2)
 * @param elapsed wall time since training started
 */
public record Evaluation(int epoch, long step, double trainLoss, double trainAccuracy, double valLoss,
                        double valAccuracy, double weightNorm, Duration elapsed) {
    /** Whether every number is finite (a diverged run is not). */
    public boolean finite() {
        return Double.isFinite(trainLoss) && Double.isFinite(valLoss) && Double.isFinite(weightNorm);
    }
}
