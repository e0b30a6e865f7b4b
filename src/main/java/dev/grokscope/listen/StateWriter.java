package dev.grokscope.listen;

import dev.grokscope.config.CheckpointSpec;
import dev.grokscope.model.Network;
import dev.grokscope.state.RunStates;
import dev.grokscope.state.StateFile;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Saves the states a study needs: the trajectory ({@code states/epoch-<N>.zip} at the epochs
 * {@link CheckpointSpec#trajectoryAt} names: weights only every {@code trajectoryEvery} epochs unless
 * {@link CheckpointSpec#trajectoryOptimizer}, complete states with the optimiser's at the listed
 * {@code epochs}, so that training can branch from them) and, when the run ends completed or diverged, the
 * complete final state ({@code states/final.zip}: parameters, optimiser state, step count). Each state
 * carries the resolved config and the run's provenance, so one file rebuilds its network and split.
 * Trajectory states are never deleted; a resumed run rewrites the ones after its checkpoint with the
 * same contents.
 */
public final class StateWriter implements TrainingListener {
    private final Path runDir;
    private final CheckpointSpec spec;
    private final long seed;
    private final String config;
    private final Map<String, Object> provenance;

    public StateWriter(Path runDir, CheckpointSpec spec, long seed, String config, Map<String, Object> provenance) {
        this.runDir = runDir;
        this.spec = spec;
        this.seed = seed;
        this.config = config;
        this.provenance = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(provenance));
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) throws IOException {
        if (spec.trajectoryAt(ctx.epoch()) && ctx.stopStatus() != RunStatus.DIVERGED) {
            // listed epochs are complete states (training can branch from them); the regular ones weights only
            // unless checkpoint.trajectoryOptimizer asks for the optimiser state too
            write(ctx, RunStates.trajectoryFile(runDir, ctx.epoch()),
                    spec.trajectoryOptimizer() || spec.epochs().contains(ctx.epoch()));
        }
    }

    @Override
    public void onEnd(TrainingContext ctx, RunStatus status) throws IOException {
        if (status == RunStatus.COMPLETED || status == RunStatus.DIVERGED) {
            write(ctx, RunStates.finalFile(runDir), true);
        }
    }

    private void write(TrainingContext ctx, Path file, boolean withOptimizer) throws IOException {
        Network n = ctx.network();
        StateFile.write(file, ctx.epoch(), ctx.step(), seed, config, provenance, n.parameters(),
                List.copyOf(n.matrices().keySet()), withOptimizer ? n.optimizerState() : Map.of());
    }
}
