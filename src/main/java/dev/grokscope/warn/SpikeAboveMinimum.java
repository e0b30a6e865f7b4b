package dev.grokscope.warn;

import java.util.Locale;

/**
 * A spike above the running minimum: with x_t the t-th value and m_t = min_{s < t} x_s over the
 * values before it, the rule holds at t when m_t > 0 and x_t >= factor * m_t.
 *
 * <p>Used for the training-loss baseline: Notsawo et al. (2023, "Predicting grokking long before it
 * happens") find that oscillations of the training loss after it has fallen announce grokking; a
 * full-batch loss that only decreases never triggers this rule.
 */
final class SpikeAboveMinimum implements OnlineRule {
    private final double factor;
    private double min = Double.NaN;

    /** @param factor how many times the minimum so far, > 1 */
    SpikeAboveMinimum(double factor) {
        if (!(factor > 1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("factor: must be finite and > 1, got " + factor);
        }
        this.factor = factor;
    }

    @Override
    public boolean observe(double value) {
        if (!Double.isFinite(value)) {
            return false;
        }
        boolean spike = min > 0 && value >= factor * min;
        min = Double.isNaN(min) ? value : Math.min(min, value);
        return spike;
    }

    @Override
    public String formula() {
        return String.format(Locale.ROOT, "x >= %s*min(x before)", Numbers.plain(factor));
    }
}
