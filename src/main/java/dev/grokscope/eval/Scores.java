package dev.grokscope.eval;

/**
 * What the evaluator measures of a network on its split: the numbers of a metrics.csv row.
 *
 * @param trainLoss mean data loss on the training split (no weight-decay term)
 * @param trainAccuracy fraction of training pairs whose argmax output is the label
 * @param valLoss mean data loss on the validation split
 * @param valAccuracy fraction of validation pairs predicted right
 * @param weightNorm the global L2 norm of every parameter, sqrt(sum ||theta||^2)
 */
public record Scores(double trainLoss, double trainAccuracy, double valLoss, double valAccuracy, double weightNorm) {
    /** Validation error, 1 - accuracy (Frankle et al. 2020's instability is measured in error). */
    public double valError() {
        return 1 - valAccuracy;
    }

    /** Training error, 1 - accuracy. */
    public double trainError() {
        return 1 - trainAccuracy;
    }
}
