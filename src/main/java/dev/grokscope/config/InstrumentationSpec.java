package dev.grokscope.config;

/**
 * What the run records beyond loss and accuracy.
 *
 * @param spectraEvery snapshot every weight matrix and record its spectrum every this many epochs
 *     (and at epoch 0 and the last); 0 turns spectra off
 * @param finalWeights write every parameter at the end to {@code weights/final/<name>.npy}
 * @param background keep each snapshot's spectra off the training thread as far as the machine allows
 *     ({@link dev.grokscope.snapshot.SpectraPipeline.Schedule}: on a worker in the operating system's idle
 *     scheduling class, on the CPU training leaves unused, the training thread doing whatever the worker
 *     has not done by the next snapshot); false: everything on the training thread. The copy of the
 *     weights is taken at the epoch's end; results are the same either way
 */
public record InstrumentationSpec(int spectraEvery, boolean finalWeights, boolean background) {
    public InstrumentationSpec {
        Check.range(spectraEvery, 0, 10_000_000, "instrumentation.spectraEvery");
    }
}
