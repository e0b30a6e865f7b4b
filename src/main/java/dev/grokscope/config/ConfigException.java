package dev.grokscope.config;

/**
 * A config value that breaks a rule, thrown from the compact constructor of the record that holds it
 * so that every way of building a config is checked. {@link #field()} is the full dotted name
 * ({@code data.p}); the loader adds where the value came from.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String rule;

    public ConfigException(String field, String rule) {
        super(field + ": " + rule);
        this.field = field;
        this.rule = rule;
    }

    /** The dotted name of the field, e.g. {@code optimizer.weightDecay}. */
    public String field() {
        return field;
    }

    /** The rule broken, e.g. {@code must be >= 0, got -1.0}. */
    public String rule() {
        return rule;
    }
}
