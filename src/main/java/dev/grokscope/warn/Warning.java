package dev.grokscope.warn;

/**
 * An early warning of grokking: the epoch a rule fired at, what it fired on, and the rule.
 *
 * @param epoch the epoch of the snapshot (spectral rule) or evaluation (baselines) at which it fired
 * @param matrix the weight matrix whose spectrum fired (e.g. {@code blocks.0.attn.W_Q}); for the
 *     baselines of {@link MetricWarning}, the metrics.csv column they read ({@code train_loss},
 *     {@code weight_norm})
 * @param rule the rule with its parameters, e.g.
 *     {@code effective_rank_normalized: x <= 0.5*max(x) x3}
 */
public record Warning(int epoch, String matrix, String rule) {
    public Warning {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch: must be >= 0, got " + epoch);
        }
        if (matrix == null || matrix.isBlank() || rule == null || rule.isBlank()) {
            throw new IllegalArgumentException("matrix and rule: must be given, got " + matrix + ", " + rule);
        }
    }
}
