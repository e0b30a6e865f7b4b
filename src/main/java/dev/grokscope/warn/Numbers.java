package dev.grokscope.warn;

import java.math.BigDecimal;

/** Formatting of rule parameters. */
final class Numbers {
    private Numbers() {
    }

    /** 0.5 as "0.5", 10.0 as "10", 0.9000000000000001 as "0.9" (at most 6 significant digits). */
    static String plain(double v) {
        return new BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
