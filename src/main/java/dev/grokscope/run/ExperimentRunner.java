package dev.grokscope.run;

import dev.grokscope.backend.Backend;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.config.OutputSpec;
import dev.grokscope.data.Split;
import dev.grokscope.listen.DivergenceGuard;
import dev.grokscope.listen.FinalWeightsWriter;
import dev.grokscope.listen.GrokTracker;
import dev.grokscope.listen.MetricsWriter;
import dev.grokscope.listen.ProgressReporter;
import dev.grokscope.listen.SpectraRecorder;

import dev.grokscope.model.Network;
import dev.grokscope.model.Networks;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.Provenance;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.results.RunRecord;
import dev.grokscope.results.Summary;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.Trainer;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one experiment into a run directory: builds data and network, attaches the listeners, trains,
 * and records how it ended. The directory is created only after the config has been validated.
 */
public final class ExperimentRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);

    /** What a finished run reports. */
    public record Outcome(Path dir, RunStatus status, GrokTracker grok, double msPerStep, String message) {
    }

    private ExperimentRunner() {
    }

    /**
     * Trains {@code experiment} into {@code dir} (which {@link RunDirectory#planned} has accepted).
     *
     * @throws RunFailedException when training fails at run time; the run is then marked failed
     */
    public static Outcome run(Experiment experiment, RunDirectory dir, List<String> command,
                              ProgressReporter.Mode progress) throws IOException {
        Backend.Info backend = Backend.start();
        Split split = Split.of(experiment.data(), experiment.seeds());
        Network network = Networks.build(experiment);

        dir.create();
        AtomicFiles.writeString(dir.config(), ConfigLoader.toYaml(experiment));
        RunRecord record = RunRecord.start(dir.runJson(), dir.root().getFileName().toString(), experiment.seed(),
                Provenance.collect(backend, command));
        record.put("parameters", network.parameterCount());
        record.put("train_examples", split.train().size());
        record.put("val_examples", split.val().size());

        GrokTracker grok = new GrokTracker(experiment.training().stopAtGrok());
        DivergenceGuard divergence = new DivergenceGuard();
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(divergence);
        listeners.add(grok);
        listeners.add(new MetricsWriter(dir.metrics()));
        if (experiment.instrumentation().spectraEvery() > 0) {
            listeners.add(new SpectraRecorder(dir, experiment.instrumentation().spectraEvery()));
        }
        if (experiment.instrumentation().finalWeights()) {
            listeners.add(new FinalWeightsWriter(dir.finalWeights()));
        }
        listeners.add(new ProgressReporter(progress));
        EndCapture end = new EndCapture();
        listeners.add(end);

        Trainer trainer = new Trainer(network, split, experiment.training(), experiment.seeds().shuffle(), listeners);
        long t0 = System.nanoTime();
        RunStatus status;
        try {
            status = trainer.run();
        } catch (Exception | Error e) {
            String message = e.getClass().getSimpleName() + ": " + e.getMessage();
            writeSummary(dir, RunStatus.FAILED, end, grok, t0, message);
            record.end(RunStatus.FAILED, message);
            AtomicFiles.writeString(dir.root().resolve("error.txt"), stackTrace(e));
            throw new RunFailedException(dir.root(), e);
        }
        String message = status == RunStatus.DIVERGED ? end.ctx.stopReason() : null;
        writeSummary(dir, status, end, grok, t0, message);
        record.end(status, message);
        if (status == RunStatus.DIVERGED) {
            LOG.warn("run diverged: {}", message);
        }
        return new Outcome(dir.root(), status, grok, end.ctx == null ? Double.NaN : end.ctx.msPerStep(), message);
    }

    private static void writeSummary(RunDirectory dir, RunStatus status, EndCapture end, GrokTracker grok, long t0,
                                     String message) throws IOException {
        TrainingContext ctx = end.ctx;
        Summary.write(dir.summary(), Summary.of(status, ctx == null ? 0 : ctx.epoch(), ctx == null ? 0 : ctx.step(),
                grok, ctx == null ? Double.NaN : ctx.msPerStep(), (System.nanoTime() - t0) / 1e9, message));
    }

    /** The directory a run goes to: {@code --out} as given, else {@code output.root/<name>}. */
    public static Path directoryFor(Experiment e, Path configFile, Path out) {
        if (out != null) {
            return out;
        }
        OutputSpec o = e.output();
        Path root = Path.of(o.root());
        if (!o.name().isEmpty()) {
            return root.resolve(o.name());
        }
        String stem = configFile.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path candidate = root.resolve(stem + "-" + stamp);
        for (int i = 2; java.nio.file.Files.exists(candidate); i++) {
            candidate = root.resolve(stem + "-" + stamp + "-" + i);
        }
        return candidate;
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** Keeps the context so that the summary can report epochs and step time. */
    private static final class EndCapture implements TrainingListener {
        private TrainingContext ctx;

        @Override
        public void onStart(TrainingContext c) {
            ctx = c;
        }
    }
}
