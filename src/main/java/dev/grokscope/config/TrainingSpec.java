package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How long and in what steps to train.
 *
 * @param epochs passes over the training set
 * @param batchSize examples per step; 0 means the full training set (one step per epoch), as in the
 *     grokking papers
 * @param evalEvery evaluate train and validation loss/accuracy every this many epochs (and at epoch 0
 *     and the last)
 * @param dtype parameter and activation precision
 * @param stopAtGrok stop at the first evaluation with validation accuracy >= 0.99 (for benchmarks and
 *     sweeps that only ask when a run groks)
 */
public record TrainingSpec(int epochs, int batchSize, int evalEvery, DType dtype, boolean stopAtGrok) {
    public enum DType {
        @JsonProperty("float32") FLOAT32,
        @JsonProperty("float64") FLOAT64
    }

    public TrainingSpec {
        Check.present(dtype, "training.dtype");
        Check.range(epochs, 1, 10_000_000, "training.epochs");
        Check.range(batchSize, 0, 100_000_000, "training.batchSize");
        Check.range(evalEvery, 1, 10_000_000, "training.evalEvery");
    }
}
