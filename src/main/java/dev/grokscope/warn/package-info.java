/**
 * Early warnings of grokking: online detectors fed a run's records one snapshot or evaluation at a time
 * ({@link dev.grokscope.warn.SpectralWarning} from the spectra of the weights alone,
 * {@link dev.grokscope.warn.MetricWarning} baselines from the training loss and the weight norm).
 * Plain Java only: no DL4J, no files; the listeners and the offline evaluation feed them.
 */
package dev.grokscope.warn;
