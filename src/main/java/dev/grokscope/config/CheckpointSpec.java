package dev.grokscope.config;

/**
 * When to write checkpoints (parameters, optimiser state, step count, and how far each result file
 * had got), so that a killed run resumes to the same result as an uninterrupted one.
 *
 * @param everyEpochs write one every this many epochs; 0: only by time
 * @param everySeconds also write one when this much wall time passed since the last; 0: only by epochs
 * @param keep how many of the newest checkpoints to keep (older ones are deleted)
 */
public record CheckpointSpec(int everyEpochs, int everySeconds, int keep) {
    public CheckpointSpec {
        Check.range(everyEpochs, 0, 10_000_000, "checkpoint.everyEpochs");
        Check.range(everySeconds, 0, 10_000_000, "checkpoint.everySeconds");
        Check.range(keep, 1, 1000, "checkpoint.keep");
    }
}
