package dev.grokscope.warn;

import java.util.Locale;

/**
 * A sustained relative drop from the running maximum: with x_t the t-th value and
 * M_t = max_{s <= t} x_s, the rule holds at t when x_u <= (1 - drop) * M_u for the {@code consecutive}
 * values u = t - consecutive + 1 .. t in a row.
 *
 * <p>Used for the spectral early warning (normalised effective rank of a weight matrix, Yunis et al.
 * 2024) and for the weight-norm baseline (Omnigrok, Liu et al. 2023).
 */
final class DropFromPeak implements OnlineRule {
    private final double drop;
    private final int consecutive;
    private double peak = Double.NaN;
    private double last = Double.NaN;
    private int below;

    /**
     * @param drop the fraction of the maximum lost, in (0, 1)
     * @param consecutive how many values in a row must be that low, >= 1
     */
    DropFromPeak(double drop, int consecutive) {
        if (!(drop > 0 && drop < 1)) {
            throw new IllegalArgumentException("drop: must be in (0, 1), got " + drop);
        }
        if (consecutive < 1) {
            throw new IllegalArgumentException("consecutive: must be >= 1, got " + consecutive);
        }
        this.drop = drop;
        this.consecutive = consecutive;
    }

    @Override
    public boolean observe(double value) {
        if (!Double.isFinite(value)) {
            below = 0;
            return false;
        }
        peak = Double.isNaN(peak) ? value : Math.max(peak, value);
        last = value;
        below = value <= (1 - drop) * peak ? below + 1 : 0;
        return below >= consecutive;
    }

    /** An independent rule in this one's state. */
    DropFromPeak copy() {
        DropFromPeak c = new DropFromPeak(drop, consecutive);
        c.peak = peak;
        c.last = last;
        c.below = below;
        return c;
    }

    /** x_t / M_t of the last finite value (NaN before any): how deep the drop is now. */
    double ratio() {
        return last / peak;
    }

    @Override
    public String formula() {
        return String.format(Locale.ROOT, "x <= %s*max(x) x%d", Numbers.plain(1 - drop), consecutive);
    }
}
