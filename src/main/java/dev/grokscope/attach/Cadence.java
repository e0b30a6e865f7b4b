package dev.grokscope.attach;

/**
 * How often an attached listener takes a snapshot: every {@code every} epochs or every {@code every}
 * iterations (optimiser steps). The snapshot's position (epoch or iteration number) is what spectra.csv's
 * {@code epoch} column and {@code spectra/epochs.npy} hold; run.json names the unit.
 *
 * @param every snapshots every this many units, >= 1
 * @param unit epochs or iterations
 */
public record Cadence(int every, Unit unit) {
    /** What a cadence counts. */
    public enum Unit {
        EPOCH, ITERATION;

        /** Lower-case name, as run.json's {@code snapshot_unit} holds it. */
        public String label() {
            return name().toLowerCase();
        }
    }

    public Cadence {
        if (unit == null) {
            throw new IllegalArgumentException("cadence: unit must be EPOCH or ITERATION, got null");
        }
        if (every < 1) {
            throw new IllegalArgumentException("cadence: every must be >= 1 " + unit.label() + ", got " + every);
        }
    }

    /** A snapshot every {@code n} epochs. */
    public static Cadence epochs(int n) {
        return new Cadence(n, Unit.EPOCH);
    }

    /** A snapshot every {@code n} iterations. */
    public static Cadence iterations(int n) {
        return new Cadence(n, Unit.ITERATION);
    }

    /** Whether position {@code n} of this unit is a snapshot. */
    boolean due(Unit counted, long n) {
        return counted == unit && n % every == 0;
    }
}
