package dev.grokscope.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * When to save the network's state: checkpoints for resuming, and a trajectory of weights for post-hoc
 * study (grokscope eval, lowrank, interpolate, average).
 *
 * <p>Checkpoints (parameters, optimiser state, step count) make a killed run resume to the same result
 * as an uninterrupted one; only the newest {@code keep} are kept. Trajectory states (in the dtype they
 * were trained in, plus the config that rebuilds the network) are written at epoch 0 and every
 * {@code trajectoryEvery} epochs (weights only), and at every epoch listed in {@code epochs} (complete,
 * with the optimiser's state, so that training can branch from them); they are never deleted. Yunis
 * et al. (2024) keep one every 100 epochs plus epoch 0.
 *
 * @param everyEpochs write a checkpoint every this many epochs; 0: only by time
 * @param everySeconds also write one when this much wall time passed since the last; 0: only by epochs
 * @param keep how many of the newest checkpoints to keep (older ones are deleted)
 * @param trajectoryEvery a trajectory state at epoch 0 and every this many epochs; 0: none
 * @param epochs trajectory states at exactly these epochs (distinct, >= 0), ascending once constructed
 * @param trajectoryOptimizer trajectory states carry the optimiser state and step too, so that runs can
 *     branch from them ({@code grokscope run --from RUN@EPOCH}); about 3x the size with AdamW
 */
public record CheckpointSpec(int everyEpochs, int everySeconds, int keep, int trajectoryEvery, List<Integer> epochs,
                             boolean trajectoryOptimizer) {
    public CheckpointSpec {
        Check.range(everyEpochs, 0, 10_000_000, "checkpoint.everyEpochs");
        Check.range(everySeconds, 0, 10_000_000, "checkpoint.everySeconds");
        Check.range(keep, 1, 1000, "checkpoint.keep");
        Check.range(trajectoryEvery, 0, 10_000_000, "checkpoint.trajectoryEvery");
        Check.present(epochs, "checkpoint.epochs");
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < epochs.size(); i++) {
            Integer e = epochs.get(i);
            Check.that(e != null, "checkpoint.epochs", "must be an epoch number", "null");
            Check.range(e, 0, 10_000_000, "checkpoint.epochs");
            Check.that(seen.add(e), "checkpoint.epochs", "must not repeat an epoch", e);
        }
        List<Integer> sorted = new ArrayList<>(epochs);
        sorted.sort(null);
        epochs = List.copyOf(sorted);
    }

    /** Whether the trajectory includes a state at {@code epoch}. */
    public boolean trajectoryAt(int epoch) {
        return (trajectoryEvery > 0 && epoch % trajectoryEvery == 0) || epochs.contains(epoch);
    }
}
