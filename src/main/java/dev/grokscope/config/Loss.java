package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Training objective on the p outputs. */
public enum Loss {
    /** Softmax cross-entropy on the logits, averaged over examples. */
    @JsonProperty("cross_entropy") CROSS_ENTROPY,
    /**
     * Squared error against one-hot targets, summed over the p outputs and averaged over examples
     * (PyTorch {@code mse_loss * p}), as Gromov 2023.
     */
    @JsonProperty("mse") MSE
}
