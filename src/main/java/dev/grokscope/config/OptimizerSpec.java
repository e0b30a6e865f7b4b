package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The optimiser.
 *
 * <p>AdamW (Loshchilov &amp; Hutter 2019): Adam's step on the loss gradient, plus weight decay
 * decoupled from it, {@code w <- w - lr * (adam_step + weightDecay * w)}. Grokking depends on the
 * decay (Power et al.; Nanda et al. use 1.0). SGD is heavy-ball momentum,
 * {@code v <- momentum * v + g; w <- w - lr * (v + weightDecay * w)}.
 *
 * @param type adamw or sgd
 * @param lr peak learning rate
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay; 0.98 in Nanda and Power, not PyTorch's 0.999
 * @param eps Adam's epsilon
 * @param weightDecay decoupled weight-decay coefficient; 0 turns it off
 * @param decayBiases whether biases decay too (Nanda's AdamW decays every parameter)
 * @param momentum SGD's momentum
 * @param warmupSteps linear warm-up of the learning rate from lr/warmupSteps to lr (Nanda: 10)
 */
public record OptimizerSpec(Type type, double lr, double beta1, double beta2, double eps, double weightDecay,
                            boolean decayBiases, double momentum, int warmupSteps) {
    public enum Type {
        @JsonProperty("adamw") ADAMW,
        @JsonProperty("sgd") SGD
    }

    public OptimizerSpec {
        Check.present(type, "optimizer.type");
        Check.positive(lr, "optimizer.lr");
        Check.unitInterval(beta1, "optimizer.beta1");
        Check.unitInterval(beta2, "optimizer.beta2");
        Check.positive(eps, "optimizer.eps");
        Check.nonNegative(weightDecay, "optimizer.weightDecay");
        Check.unitInterval(momentum, "optimizer.momentum");
        Check.range(warmupSteps, 0, 10_000_000, "optimizer.warmupSteps");
    }
}
