package dev.grokscope.model;

import dev.grokscope.config.Loss;
import dev.grokscope.data.ModularDataset;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A network the trainer can train: it encodes examples, takes optimiser steps and exposes its
 * parameters by stable, readable names ({@code layers.0.W}, {@code blocks.0.attn.W_Q}) so that
 * instrumentation attaches from outside without knowing the model.
 */
public interface Network {
    /** The examples encoded as this network's input (one-hot codes, tokens, ...), one row each. */
    INDArray features(ModularDataset data);

    /** One optimiser step on a batch; {@code targets} are one-hot rows. */
    void step(INDArray features, INDArray targets);

    /** The outputs for a batch: probabilities or logits per {@link #outputKind()}, one row each. */
    INDArray output(INDArray features);

    /** What {@link #output} returns, so that losses are computed the same way for every network. */
    Objectives.OutputKind outputKind();

    /** The loss the network trains on. */
    Loss loss();

    /**
     * Every weight matrix (2-D parameter) by stable name, in a fixed order. Live arrays: copy them
     * ({@code dup()}) before keeping them past the current step.
     */
    Map<String, INDArray> matrices();

    /** Every parameter (matrices, biases, ...) by stable name, in a fixed order; live arrays. */
    Map<String, INDArray> parameters();

    /** The optimiser step count so far. */
    long steps();

    /**
     * The optimiser's state (Adam's moments, momentum buffers) by stable name: live arrays, which a
     * checkpoint saves and restores in place together with {@link #parameters()} and {@link #steps()}.
     */
    Map<String, INDArray> optimizerState();

    /** Sets the step count when resuming from a checkpoint (Adam's bias correction and warm-up read it). */
    void restoreSteps(long steps);

    /**
     * Chains of weight matrices where each feeds the next (names from {@link #matrices()}), for
     * consecutive-layer alignment; matrices are in x out ({@code h = x W}). Empty when none apply.
     */
    default java.util.List<java.util.List<String>> chains() {
        return java.util.List.of();
    }

    default long parameterCount() {
        return parameters().values().stream().mapToLong(INDArray::length).sum();
    }
}
