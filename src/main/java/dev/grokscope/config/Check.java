package dev.grokscope.config;

/** Preconditions for config records; each failure names the field and states the rule. */
final class Check {
    private Check() {
    }

    static void that(boolean ok, String field, String rule, Object got) {
        if (!ok) {
            throw new ConfigException(field, rule + ", got " + got);
        }
    }

    static void range(long value, long min, long max, String field) {
        that(value >= min && value <= max, field, "must be between " + min + " and " + max, value);
    }

    static void finite(double value, String field) {
        that(Double.isFinite(value), field, "must be a finite number", value);
    }

    static void positive(double value, String field) {
        that(Double.isFinite(value) && value > 0, field, "must be > 0", value);
    }

    static void nonNegative(double value, String field) {
        that(Double.isFinite(value) && value >= 0, field, "must be >= 0", value);
    }

    static void unitInterval(double value, String field) {
        that(value >= 0 && value < 1, field, "must be in [0, 1)", value);
    }

    static <T> T present(T value, String field) {
        if (value == null) {
            throw new ConfigException(field, "is required");
        }
        return value;
    }
}
