package dev.grokscope.listen;

import dev.grokscope.config.CheckpointSpec;
import dev.grokscope.model.Network;
import dev.grokscope.results.Checkpoint;
import dev.grokscope.state.StateFile;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a checkpoint (a complete state file, see {@link StateFile}) at the end of an epoch — every {@code everyEpochs}, when {@code everySeconds}
 * passed since the last, and when the run is interrupted — after every other listener has written that
 * epoch's rows, so a checkpoint of epoch E means "results up to E are complete". Must be the last
 * listener.
 */
public final class CheckpointWriter implements TrainingListener {
    private final Path runDir;
    private final CheckpointSpec spec;
    private final long seed;
    private final String config;
    private final Map<String, Object> provenance;
    private final List<SpectraRecorder> pending;
    private long lastNanos;
    private int lastEpoch = -1;

    /**
     * @param pending recorders whose background work must be written before a checkpoint claims
     *     "results up to this epoch are complete"
     * @param config the resolved config text each checkpoint carries (a checkpoint is a state file)
     */
    public CheckpointWriter(Path runDir, CheckpointSpec spec, long seed, String config, Map<String, Object> provenance,
                            List<SpectraRecorder> pending) {
        this.runDir = runDir;
        this.spec = spec;
        this.seed = seed;
        this.config = config;
        this.provenance = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(provenance));
        this.pending = List.copyOf(pending);
    }

    @Override
    public void onStart(TrainingContext ctx) {
        lastNanos = System.nanoTime();
        lastEpoch = ctx.resumedAfter();
    }

    @Override
    public void onEpochEnd(TrainingContext ctx) throws IOException {
        int epoch = ctx.epoch();
        if (epoch == ctx.startEpoch() || epoch == lastEpoch || ctx.stopStatus() == RunStatus.DIVERGED || epoch == ctx.epochs()) {
            return; // nothing trained yet, already saved, not worth resuming, or finished
        }
        boolean byEpoch = spec.everyEpochs() > 0 && epoch % spec.everyEpochs() == 0;
        boolean byTime = spec.everySeconds() > 0 && System.nanoTime() - lastNanos >= spec.everySeconds() * 1_000_000_000L;
        boolean interrupted = ctx.stopStatus() == RunStatus.INTERRUPTED;
        if (byEpoch || byTime || interrupted) {
            for (SpectraRecorder r : pending) {
                r.awaitPending();
            }
            Network n = ctx.network();
            StateFile.write(Checkpoint.file(runDir, epoch), epoch, ctx.step(), seed, config, provenance, n.parameters(),
                    List.copyOf(n.matrices().keySet()), n.optimizerState());
            Checkpoint.rotate(runDir, spec.keep());
            lastNanos = System.nanoTime();
            lastEpoch = epoch;
        }
    }
}
