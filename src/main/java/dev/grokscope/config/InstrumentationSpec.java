package dev.grokscope.config;

/**
 * What the run records beyond loss and accuracy.
 *
 * @param spectraEvery snapshot every weight matrix and record its spectrum every this many epochs
 *     (and at epoch 0 and the last); 0 turns spectra off
 * @param finalWeights write every parameter at the end to {@code weights/final/<name>.npy}
 * @param background compute each snapshot's spectra on a worker thread while training goes on (the
 *     copy of the weights is still taken at the epoch's end); results are the same either way
 */
public record InstrumentationSpec(int spectraEvery, boolean finalWeights, boolean background) {
    public InstrumentationSpec {
        Check.range(spectraEvery, 0, 10_000_000, "instrumentation.spectraEvery");
    }
}
