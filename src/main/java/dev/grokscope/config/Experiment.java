package dev.grokscope.config;

/**
 * Everything that defines a run. Built by {@link ConfigLoader} from YAML over the defaults in
 * {@code defaults.yaml}; every field is validated by the compact constructor of its record.
 *
 * @param seed the one seed; the data split, initialisation and shuffling each derive their own
 *     ({@link Seeds}); {@code data.seed}, when set, draws the data instead
 * @param mask the lottery-ticket mask the run trains under (off unless {@code mask.from} names a state)
 * @param from the saved state the run starts from, making it a branch ({@code grokscope run --from}
 *     sets it); empty: a fresh initialisation
 */
public record Experiment(long seed, DataSpec data, ModelSpec model, OptimizerSpec optimizer, TrainingSpec training,
                         InstrumentationSpec instrumentation, CheckpointSpec checkpoint, OutputSpec output,
                         MaskSpec mask, String from) {
    public Experiment {
        Check.that(seed >= 0, "seed", "must be >= 0", seed);
        Check.present(data, "data");
        Check.present(model, "model");
        Check.present(optimizer, "optimizer");
        Check.present(training, "training");
        Check.present(instrumentation, "instrumentation");
        Check.present(checkpoint, "checkpoint");
        Check.present(output, "output");
        Check.present(mask, "mask");
        Check.present(from, "from");
    }

    /** The same experiment as a branch of {@code state} (a state reference; empty: none). */
    public Experiment withFrom(String state) {
        return new Experiment(seed, data, model, optimizer, training, instrumentation, checkpoint, output, mask, state);
    }

    /** The same experiment with its mask drawn from {@code state}. */
    public Experiment withMaskFrom(String state) {
        return new Experiment(seed, data, model, optimizer, training, instrumentation, checkpoint, output,
                new MaskSpec(state, mask.keep(), mask.kind()), from);
    }

    /** The same experiment on other data (e.g. a branch's, drawn with its parent's seed). */
    public Experiment withData(DataSpec d) {
        return new Experiment(seed, d, model, optimizer, training, instrumentation, checkpoint, output, mask, from);
    }

    /** The seed the data (split, label permutation) is drawn with: {@code data.seed}, or {@link #seed()}. */
    public long dataSeed() {
        return data.seed() >= 0 ? data.seed() : seed;
    }

    /**
     * Whether {@code o} draws the same data (task, split and label permutation): the same data section
     * once each side's data seed is resolved ({@link #dataSeed()}). Branches of one trunk do, whatever
     * their own seeds.
     */
    public boolean sameDataAs(Experiment o) {
        return data.withSeed(dataSeed()).equals(o.data.withSeed(o.dataSeed()));
    }

    /** The per-purpose seeds derived from {@link #seed()} (the data's from {@link #dataSeed()}). */
    public Seeds seeds() {
        return Seeds.of(seed, data.seed());
    }
}
