package dev.grokscope.train;

/**
 * Events of a training run. The trainer only fires them; each listener has one concern (metrics,
 * spectra, progress, divergence, ...). Epoch 0 is the state before the first step.
 */
public interface TrainingListener {
    /** Before epoch 0's evaluation. */
    default void onStart(TrainingContext ctx) throws Exception {
    }

    /** After an epoch whose number is a multiple of the evaluation cadence (and epoch 0, the last). */
    default void onEvaluation(TrainingContext ctx, Evaluation eval) throws Exception {
    }

    /** After every epoch's steps (and evaluation, if any), starting with epoch 0. */
    default void onEpochEnd(TrainingContext ctx) throws Exception {
    }

    /** Once, when training stops for any reason; {@code status} says which. */
    default void onEnd(TrainingContext ctx, RunStatus status) throws Exception {
    }
}
