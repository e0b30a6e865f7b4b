package dev.grokscope.results;

import dev.grokscope.backend.ProcessMemory;
import dev.grokscope.listen.GrokTracker;
import dev.grokscope.train.Evaluation;
import dev.grokscope.train.RunStatus;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * summary.json: how the run ended, when it learned the training set and when it generalised
 * ({@code epoch_train_99}, {@code epoch_val_99}: first evaluated epochs with accuracy >= 0.99, null if
 * never), and the final metrics.
 */
public final class Summary {
    private Summary() {
    }

    public static Map<String, Object> of(RunStatus status, int epochsRun, long steps, GrokTracker grok,
                                         double msPerStep, double spectraMsPerSnapshot, double wallSeconds, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("epochs_run", epochsRun);
        m.put("steps", steps);
        m.put("epoch_train_99", grok.epochTrain99());
        m.put("epoch_val_99", grok.epochVal99());
        m.put("val_accuracy_at_train_99", grok.valAccuracyAtTrain99());
        m.put("grokked", grok.epochVal99() != null);
        m.put("best_val_accuracy", Double.isNaN(grok.bestValAccuracy()) ? null : grok.bestValAccuracy());
        Evaluation last = grok.lastFinite();
        Map<String, Object> fin = new LinkedHashMap<>();
        if (last != null) {
            fin.put("epoch", last.epoch());
            fin.put("train_loss", last.trainLoss());
            fin.put("train_accuracy", last.trainAccuracy());
            fin.put("val_loss", last.valLoss());
            fin.put("val_accuracy", last.valAccuracy());
            fin.put("weight_norm", last.weightNorm());
        }
        m.put("final", fin);
        m.put("ms_per_step", Double.isNaN(msPerStep) ? null : msPerStep);
        // what a snapshot cost the training thread (its wait for the spectra pipeline), ms
        m.put("spectra_ms_per_snapshot", Double.isNaN(spectraMsPerSnapshot) ? null : spectraMsPerSnapshot);
        m.put("wall_time_s", wallSeconds);
        double peak = ProcessMemory.mb(ProcessMemory.peakRssKb());
        m.put("peak_rss_mb", Double.isNaN(peak) ? null : peak); // this process's, i.e. since the last resume
        if (message != null) {
            m.put("message", message);
        }
        return m;
    }

    public static void write(Path file, Map<String, Object> summary) throws IOException {
        Json.write(file, summary);
    }
}
