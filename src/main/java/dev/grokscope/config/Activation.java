package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Hidden-layer nonlinearity. */
public enum Activation {
    @JsonProperty("relu") RELU,
    /** Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    @JsonProperty("gelu") GELU,
    @JsonProperty("tanh") TANH,
    /** {@code x^2}, the activation of Gromov 2023's analytically solvable grokking MLP. */
    @JsonProperty("quadratic") QUADRATIC
}
