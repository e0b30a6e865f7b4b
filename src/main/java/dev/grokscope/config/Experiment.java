package dev.grokscope.config;

/**
 * Everything that defines a run. Built by {@link ConfigLoader} from YAML over the defaults in
 * {@code defaults.yaml}; every field is validated by the compact constructor of its record.
 *
 * @param seed the one seed; the data split, initialisation and shuffling each derive their own
 *     ({@link Seeds})
 */
public record Experiment(long seed, DataSpec data, ModelSpec model, OptimizerSpec optimizer, TrainingSpec training,
                         InstrumentationSpec instrumentation, CheckpointSpec checkpoint, OutputSpec output) {
    public Experiment {
        Check.that(seed >= 0, "seed", "must be >= 0", seed);
        Check.present(data, "data");
        Check.present(model, "model");
        Check.present(optimizer, "optimizer");
        Check.present(training, "training");
        Check.present(instrumentation, "instrumentation");
        Check.present(checkpoint, "checkpoint");
        Check.present(output, "output");
    }

    /** The per-purpose seeds derived from {@link #seed()}. */
    public Seeds seeds() {
        return Seeds.of(seed);
    }
}
