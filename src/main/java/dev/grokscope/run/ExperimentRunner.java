package dev.grokscope.run;

import dev.grokscope.BadInputException;
import dev.grokscope.backend.Backend;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.config.OutputSpec;
import dev.grokscope.data.Split;
import dev.grokscope.listen.CheckpointWriter;
import dev.grokscope.listen.DivergenceGuard;
import dev.grokscope.listen.EarlyWarningSink;
import dev.grokscope.listen.FinalWeightsWriter;
import dev.grokscope.listen.GrokTracker;
import dev.grokscope.listen.InterruptListener;
import dev.grokscope.listen.MetricsWriter;
import dev.grokscope.listen.ProgressReporter;
import dev.grokscope.listen.SpectraRecorder;
import dev.grokscope.listen.StateWriter;
import dev.grokscope.model.Network;
import dev.grokscope.model.Networks;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.Checkpoint;
import dev.grokscope.results.Json;
import dev.grokscope.results.Provenance;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.results.RunRecord;
import dev.grokscope.results.Summary;
import dev.grokscope.results.WriterLock;
import dev.grokscope.state.State;
import dev.grokscope.state.StateFile;
import dev.grokscope.state.Parent;
import dev.grokscope.state.StateLoader;
import dev.grokscope.train.MaskedNetwork;
import dev.grokscope.train.Evaluation;
import dev.grokscope.train.RunStatus;
import dev.grokscope.train.Trainer;
import dev.grokscope.train.TrainingContext;
import dev.grokscope.train.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one experiment into a run directory: builds data and network, attaches the listeners, trains,
 * and records how it ended. A new run's directory is created only after its config has been validated;
 * a resumed run's files are touched only after its checkpoint has been read back whole.
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
        return run(prepare(experiment), dir, command, progress);
    }

    /**
     * An experiment ready to train: its data split and network built, a branch's parent state restored
     * into the network, the mask drawn. Everything that can refuse the experiment has run; nothing is
     * written yet.
     */
    public static final class Prepared {
        private final Experiment experiment;
        private final Split split;
        private final Network network;
        private final Parent parent;
        private final Ticket ticket;
        private final Backend.Info backend;

        private Prepared(Experiment experiment, Split split, Network network, Parent parent, Ticket ticket,
                         Backend.Info backend) {
            this.experiment = experiment;
            this.split = split;
            this.network = network;
            this.parent = parent;
            this.ticket = ticket;
            this.backend = backend;
        }

        /** The experiment as it will run (a branch's with its parent's data seed). */
        public Experiment experiment() {
            return experiment;
        }
    }

    /**
     * Prepares {@code experiment}, as a branch of the state {@code from} names when it is set: the network starts
     * from the parent state (weights, optimiser state, step count), the data is the parent's
     * ({@link Parent#adopt}), the epochs continue the parent's numbering (the branch's first evaluated
     * epoch is the parent's epoch) and this experiment's seed orders the minibatches. With
     * {@code mask.from}, the mask is drawn ({@link Ticket}).
     *
     * @throws BadInputException when the parent does not fit the network or is not before the last
     *     epoch, or the mask cannot be drawn
     */
    public static Prepared prepare(Experiment experiment) {
        Parent parent = experiment.from().isEmpty() ? null : Parent.of(experiment.from());
        Backend.Info backend = Backend.start();
        if (parent != null) {
            experiment = parent.adopt(experiment);
            if (parent.epoch() >= experiment.training().epochs()) {
                throw new BadInputException("--from " + parent.label() + ": the state is at epoch " + parent.epoch()
                        + " and training.epochs is " + experiment.training().epochs()
                        + "; a branch continues its parent's epoch numbering, so training.epochs must be later");
            }
        }
        Split split = Split.of(experiment.data(), experiment.seeds());
        Network network = Networks.build(experiment);
        if (parent != null) {
            StateLoader.restore(parent.state(), network, "--from " + parent.label());
        }
        Ticket ticket = experiment.mask().enabled() ? Ticket.draw(experiment, network) : null;
        return new Prepared(experiment, split, network, parent, ticket, backend);
    }

    /**
     * Trains a prepared experiment into {@code dir}.
     *
     * @throws RunFailedException when training fails at run time; the run is then marked failed
     */
    public static Outcome run(Prepared prepared, RunDirectory dir, List<String> command, ProgressReporter.Mode progress)
            throws IOException {
        Experiment experiment = prepared.experiment;
        Split split = prepared.split;
        Network network = prepared.network;
        Parent parent = prepared.parent;
        Ticket ticket = prepared.ticket;
        Backend.Info backend = prepared.backend;
        dir.create();
        try (WriterLock lock = dir.lock()) {
            AtomicFiles.writeString(dir.config(), ConfigLoader.toYaml(experiment));
            Map<String, Object> provenance = Provenance.collect(backend, command);
            RunRecord record = RunRecord.start(dir.runJson(), dir.root().getFileName().toString(), experiment.seed(),
                    provenance);
            record.put("parameters", network.parameterCount());
            record.put("train_examples", split.train().size());
            record.put("val_examples", split.val().size());
            if (parent != null) {
                record.put(Parent.KEY, parent.record());
            }
            if (ticket != null) {
                ticket.save(dir.root());
                record.put(Ticket.DIR, ticket.record(experiment));
                network = new MaskedNetwork(network, ticket.masks());
            }
            Map<String, Object> all = new LinkedHashMap<>(provenance);
            all.put("name", dir.root().getFileName().toString());
            return train(experiment, dir, record, network, split, 0, parent == null ? 0 : parent.epoch(), List.of(), progress,
                    stateProvenance(all));
        }
    }

    /**
     * Continues the run in {@code dir} from its newest checkpoint (or from the start when it has none: a
     * branch from its recorded parent state, checked by its SHA-256): the files keep every epoch up to
     * the checkpoint and continue after it, so the run ends as the same run uninterrupted would.
     *
     * @throws BadInputException when the directory is not an unfinished run or its checkpoint is unreadable
     *     (nothing is touched then)
     */
    public static Outcome resume(RunDirectory dir, List<String> command, ProgressReporter.Mode progress)
            throws IOException {
        Path root = dir.root();
        if (!Files.isRegularFile(dir.config()) || !Files.isRegularFile(dir.runJson())) {
            throw new BadInputException(root + ": not a run directory (no config.yaml and run.json)");
        }
        refuseFinished(dir); // before the lock file is made: bad input writes nothing
        try (WriterLock lock = dir.lock()) {
            return resumeLocked(dir, command, progress);
        }
    }

    /** An unreadable run.json is bad input, never resumed; a finished run has nothing to resume. */
    private static void refuseFinished(RunDirectory dir) {
        RunStatus status = RunRecord.status(dir.runJson()).orElseThrow(
                () -> new BadInputException(dir.runJson() + ": missing"));
        if (status.finished()) {
            throw new BadInputException(dir.root() + ": run already " + status.label() + "; nothing to resume");
        }
    }

    private static Outcome resumeLocked(RunDirectory dir, List<String> command, ProgressReporter.Mode progress)
            throws IOException {
        Path root = dir.root();
        refuseFinished(dir); // again, now that no one else can be writing it
        Experiment experiment = ConfigLoader.load(dir.config(), List.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> runJson = Json.mapper().readValue(dir.runJson().toFile(), LinkedHashMap.class);
        List<Path> checkpoints = Checkpoint.list(root);
        Path ckFile = checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
        State ck = ckFile == null ? null : StateFile.read(ckFile);
        if (ck != null && ck.seed() != experiment.seed()) {
            throw new BadInputException(ckFile + ": checkpoint of seed " + ck.seed() + ", config says " + experiment.seed());
        }
        if (ck != null && !ck.hasOptimizer()) {
            throw new BadInputException(ckFile + ": checkpoint has no optimizer state; cannot resume from it");
        }
        Parent parent = ck == null && runJson.get(Parent.KEY) instanceof Map<?, ?> p ? Parent.reopen(p) : null;
        int after = ck == null ? 0 : ck.epoch();
        List<Evaluation> earlier = new ArrayList<>();
        if (after > 0) {
            if (!Files.isRegularFile(dir.metrics())) {
                throw new BadInputException(dir.metrics() + ": missing; cannot resume after epoch " + after);
            }
            for (Evaluation e : MetricsWriter.read(dir.metrics())) {
                if (e.epoch() <= after) {
                    earlier.add(e);
                }
            }
        }
        Backend.start();
        Split split = Split.of(experiment.data(), experiment.seeds());
        Network network = Networks.build(experiment);
        if (ck != null) {
            StateLoader.restore(ck, network, ckFile.toString());
            LOG.info("resuming {} after epoch {} (step {})", root, after, ck.steps());
        } else if (parent != null) {
            StateLoader.restore(parent.state(), network, parent.file().toString());
            LOG.info("no checkpoint in {}: starting the branch again from {}", root, parent.label());
        } else {
            LOG.info("no checkpoint in {}: starting it again from epoch 0", root);
        }
        if (experiment.mask().enabled()) {
            network = new MaskedNetwork(network, Ticket.read(root, experiment, network).masks());
        }
        RunRecord record = RunRecord.resume(dir.runJson(), after);
        record.put("command_resumed", command);
        return train(experiment, dir, record, network, split, after, parent == null ? 0 : parent.epoch(), earlier, progress,
                stateProvenance(runJson));
    }

    /**
     * @param after the checkpoint epoch a resumed run continues after, or 0
     * @param start with {@code after == 0}: the epoch of the state training starts from (a branch's parent's, or 0)
     */
    private static Outcome train(Experiment experiment, RunDirectory dir, RunRecord record, Network network, Split split,
                                 int after, int start, List<Evaluation> earlier, ProgressReporter.Mode progress,
                                 Map<String, Object> provenance) throws IOException {
        String config = ConfigLoader.toYaml(experiment);
        GrokTracker grok = new GrokTracker(experiment.training().stopAtGrok());
        grok.replay(earlier);
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(new InterruptListener().install());
        listeners.add(new DivergenceGuard());
        listeners.add(grok);
        listeners.add(new MetricsWriter(dir.metrics()));
        EarlyWarningSink warning = experiment.instrumentation().spectraEvery() > 0
                ? new EarlyWarningSink(dir.spectraCsv()) : null;
        SpectraRecorder spectra = warning != null
                ? new SpectraRecorder(dir, experiment.instrumentation().spectraEvery(),
                        experiment.instrumentation().background(), List.of(warning)) : null;
        if (spectra != null) {
            listeners.add(spectra);
        }
        if (experiment.instrumentation().finalWeights()) {
            listeners.add(new FinalWeightsWriter(dir.finalWeights()));
        }
        listeners.add(new StateWriter(dir.root(), experiment.checkpoint(), experiment.seed(), config, provenance));
        listeners.add(new ProgressReporter(progress));
        EndCapture end = new EndCapture();
        listeners.add(end);
        listeners.add(new CheckpointWriter(dir.root(), experiment.checkpoint(), experiment.seed(), config, provenance,
                spectra == null ? List.of() : List.of(spectra)));

        Trainer trainer = new Trainer(network, split, experiment.training(), experiment.seeds().shuffle(), listeners);
        long t0 = System.nanoTime();
        RunStatus status;
        try {
            status = after > 0 ? trainer.run(after) : trainer.branch(start);
        } catch (Exception | Error e) {
            String message = e.getClass().getSimpleName() + ": " + e.getMessage();
            try {
                writeSummary(dir, RunStatus.FAILED, end, grok, spectra, warning, t0, message);
                record.end(RunStatus.FAILED, message);
                AtomicFiles.writeString(dir.root().resolve("error.txt"), stackTrace(e));
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw new RunFailedException(dir.root(), e);
        }
        String message = status == RunStatus.COMPLETED ? null : end.ctx.stopReason();
        writeSummary(dir, status, end, grok, spectra, warning, t0, message);
        record.end(status, message);
        if (experiment.output().report()) {
            report(dir.root());
        }
        if (status == RunStatus.DIVERGED) {
            LOG.warn("run diverged: {}", message);
        } else if (status == RunStatus.INTERRUPTED) {
            LOG.warn("run interrupted: {}; continue with: grokscope run --resume {}", message, dir.root());
        }
        return new Outcome(dir.root(), status, grok, end.ctx == null ? Double.NaN : end.ctx.msPerStep(), message);
    }

    /** What every state of a run records of where it came from: the run and the code that trained it. */
    private static Map<String, Object> stateProvenance(Map<String, Object> runJson) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (String k : List.of("name", "grokscope_version", "git_commit", "git_dirty", "dl4j_version", "host")) {
            p.put(k, runJson.get(k));
        }
        return p;
    }

    /** Figures and report.html; a report that cannot be drawn never fails the run it reports on. */
    private static void report(Path dir) {
        try {
            dev.grokscope.report.Reports.Report r = dev.grokscope.report.Reports.write(dir);
            LOG.info("report: {}", r.html());
        } catch (RuntimeException e) {
            LOG.warn("report not written: {}", e.getMessage());
        }
    }

    private static void writeSummary(RunDirectory dir, RunStatus status, EndCapture end, GrokTracker grok,
                                     SpectraRecorder spectra, EarlyWarningSink warning, long t0, String message)
            throws IOException {
        TrainingContext ctx = end.ctx;
        Map<String, Object> summary = Summary.of(status, ctx == null ? 0 : ctx.epoch(), ctx == null ? 0 : ctx.step(),
                grok, ctx == null ? Double.NaN : ctx.msPerStep(), spectra == null ? Double.NaN : spectra.msPerSnapshot(),
                (System.nanoTime() - t0) / 1e9, message);
        if (spectra != null && Double.isFinite(spectra.cpuMsPerSnapshot())) {
            summary.put("spectra_cpu_ms_per_snapshot", spectra.cpuMsPerSnapshot());
        }
        if (warning != null) {
            summary.putAll(warning.summaryFields());
        }
        Summary.write(dir.summary(), summary);
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
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path candidate = root.resolve(stem + "-" + stamp);
        for (int i = 2; Files.exists(candidate); i++) {
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
