package dev.grokscope.warn;

import java.util.Optional;

/**
 * The two baselines the spectral warning is compared with, each an online rule on one column of
 * metrics.csv, fed one evaluated epoch at a time (no validation data, no look-ahead).
 *
 * <h2>The pre-registered baselines</h2>
 * <ul>
 *   <li>{@link #trainLossSpike()} (after Notsawo et al. 2023, "Predicting grokking long before it
 *   happens: a look into the loss landscape of models which grok"): fires at the first evaluated epoch
 *   t at which the training loss L(t) >= {@value #LOSS_FACTOR} * min_{s < t} L(s): the loss, having
 *   fallen, jumps back up by an order of magnitude (the oscillations Notsawo et al. report before
 *   grokking).</li>
 *   <li>{@link #weightNormDrop()} (after Omnigrok, Liu et al. 2023: generalisation comes as weight
 *   decay brings the weight norm down): fires at the first evaluated epoch t at which the norm of all
 *   weights w(u) <= (1 - {@value #NORM_DROP}) * max_{s <= u} w(s) for the {@value #NORM_EVALUATIONS}
 *   evaluations u up to t in a row.</li>
 * </ul>
 * Frozen with the spectral rule ({@link SpectralWarning}); docs/early-warning.md gives the commit and
 * reasons. Each fires once. Not thread-safe; one instance follows one run.
 */
public final class MetricWarning {
    /** metrics.csv column of the training-loss baseline. */
    public static final String TRAIN_LOSS = "train_loss";
    /** metrics.csv column of the weight-norm baseline. */
    public static final String WEIGHT_NORM = "weight_norm";
    /** The loss spike: this many times the lowest loss before. */
    public static final double LOSS_FACTOR = 10;
    /** The weight-norm drop: this fraction of its running maximum. */
    public static final double NORM_DROP = 0.1;
    /** Consecutive evaluations the weight-norm drop must last. */
    public static final int NORM_EVALUATIONS = 3;

    private final String column;
    private final OnlineRule rule;
    private int lastEpoch = -1;
    private Warning warning;

    private MetricWarning(String column, OnlineRule rule) {
        this.column = column;
        this.rule = rule;
    }

    /** The training-loss baseline with its pre-registered factor {@link #LOSS_FACTOR}. */
    public static MetricWarning trainLossSpike() {
        return new MetricWarning(TRAIN_LOSS, new SpikeAboveMinimum(LOSS_FACTOR));
    }

    /** The weight-norm baseline with its pre-registered {@link #NORM_DROP} and {@link #NORM_EVALUATIONS}. */
    public static MetricWarning weightNormDrop() {
        return new MetricWarning(WEIGHT_NORM, new DropFromPeak(NORM_DROP, NORM_EVALUATIONS));
    }

    /** The metrics.csv column this baseline reads. */
    public String column() {
        return column;
    }

    /** The rule with its parameters, as {@link Warning#rule()} states it. */
    public String rule() {
        return column + ": " + rule.formula();
    }

    /**
     * Takes the column's value at one evaluated epoch and returns the warning if the rule fires at it;
     * empty before, and after it has fired.
     *
     * @throws IllegalArgumentException when the epochs do not increase
     */
    public Optional<Warning> observe(int epoch, double value) {
        if (epoch <= lastEpoch) {
            throw new IllegalArgumentException("epoch: evaluations must come in increasing epochs, got " + epoch
                    + " after " + lastEpoch);
        }
        lastEpoch = epoch;
        boolean fires = rule.observe(value);
        if (warning != null || !fires) {
            return Optional.empty();
        }
        warning = new Warning(epoch, column, rule());
        return Optional.of(warning);
    }

    /** The warning once fired, else empty. */
    public Optional<Warning> warning() {
        return Optional.ofNullable(warning);
    }
}
