/**
 * Spectra of a training run's weights, in three stages with one concern each: a <em>snapshot</em>
 * (copies of the named weight matrices at an epoch, taken on the training thread), its <em>analysis</em>
 * ({@link dev.grokscope.snapshot.SnapshotAnalysis}: singular values, spectral metrics and singular-vector
 * dynamics, a pure function of the snapshot and the previous one), and <em>sinks</em>
 * ({@link dev.grokscope.snapshot.SnapshotSink}: spectra.csv, {@code spectra/<matrix>.npy}, the vector
 * files, {@code spectra/epochs.npy}, and whatever else consumes analysed snapshots, e.g. an online
 * detector). {@link dev.grokscope.snapshot.SpectraPipeline} runs the stages, on a worker thread if asked,
 * and writes each snapshot to every sink or to none.
 *
 * <p>Adapters feed it: {@code listen.SpectraRecorder} from grokscope's own trainer, and the
 * {@code attach} package from Deeplearning4j's and SameDiff's listener interfaces.
 */
package dev.grokscope.snapshot;
