package dev.grokscope.warn;

/**
 * A test on one scalar series, fed one value at a time, that sees only the values given so far.
 *
 * <p>Implementations keep their own running state; one instance follows one series.
 */
interface OnlineRule {
    /**
     * Takes the next value of the series and says whether the rule holds at it. A non-finite value is
     * no evidence either way: it breaks a run of consecutive values and is otherwise ignored.
     */
    boolean observe(double value);

    /** The rule as a short formula with its parameters, e.g. {@code x <= 0.5*max(x) x3}. */
    String formula();
}
