package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.backend.NativeMemory;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.config.OutputSpec;
import dev.grokscope.listen.ProgressReporter;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.run.ExperimentRunner;
import dev.grokscope.train.RunStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code grokscope run CONFIG [--set key=value]... [--from STATE] [--out DIR] [--force]} or
 * {@code grokscope run --resume DIR}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Train one experiment and record its metrics and weight spectra in a run directory.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:completed", "1:failed at run time (run marked failed)",
                "2:bad input (nothing written)", "3:diverged (run marked diverged)",
                "143:interrupted by SIGTERM/SIGINT (checkpoint written; continue with --resume)"})
final class RunCommand implements Callable<Integer> {
    static final int DIVERGED = 3;
    static final int INTERRUPTED = 143;

    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "Experiment YAML (see configs/).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config value, e.g. --set training.epochs=300 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Write the run exactly here (must not exist or be empty).")
    Path out;

    @Option(names = "--force", description = "If the output directory holds a run, move it aside (DIR.replaced-<time>) and start anew.")
    boolean force;

    @Option(names = "--from", paramLabel = "STATE",
            description = "Branch: start from a saved state (RUN, RUN@EPOCH, RUN@last or a state file with optimiser state):"
                    + " its weights, optimiser state and step; epochs continue from its epoch; CONFIG's seed orders the batches;"
                    + " the data split is the parent's. Same as --set from=STATE.")
    String from;

    @Option(names = "--resume", paramLabel = "RUN_DIR", description = "Continue an unfinished run from its newest checkpoint.")
    Path resume;

    @Override
    public Integer call() throws Exception {
        if ((config == null) == (resume == null)) {
            throw new BadInputException("run: give either CONFIG or --resume RUN_DIR");
        }
        NativeMemory.fromSystemProperty(); // a bad value is bad input before anything is written
        ExperimentRunner.Outcome o;
        List<String> command = new ArrayList<>(List.of("grokscope", "run"));
        if (resume != null) {
            if (!sets.isEmpty() || out != null || force || from != null) {
                throw new BadInputException("run --resume " + resume + ": --set, --out, --force and --from do not apply to a resumed run");
            }
            command.addAll(List.of("--resume", resume.toString()));
            o = ExperimentRunner.resume(new RunDirectory(resume), command, progressMode(OutputSpec.Progress.AUTO));
        } else {
            Experiment e = ConfigLoader.load(config, sets);
            if (from != null) {
                e = e.withFrom(from);
            }
            ExperimentRunner.Prepared prepared = ExperimentRunner.prepare(e);
            Path target = ExperimentRunner.directoryFor(e, config, out);
            if (force && Files.exists(target) && !Files.isDirectory(target)) {
                throw new BadInputException(target + ": exists and is not a directory");
            }
            RunDirectory dir = force ? new RunDirectory(target) : RunDirectory.planned(target);
            command.add(config.toString());
            sets.forEach(s -> command.addAll(List.of("--set", s)));
            if (from != null) {
                command.addAll(List.of("--from", from));
            }
            if (out != null) {
                command.addAll(List.of("--out", out.toString()));
            }
            if (force) {
                if (Files.isDirectory(target)) {
                    new RunDirectory(target).lock().close(); // a run still being written is not moved away
                }
                Path aside = RunDirectory.moveAside(target);
                if (aside != null) {
                    System.err.println("grokscope: --force: moved the existing " + target + " to " + aside);
                }
            }
            System.err.println("grokscope: run " + config + " -> " + dir.root());
            o = ExperimentRunner.run(prepared, dir, command, progressMode(e.output().progress()));
        }
        System.out.println(String.format(Locale.ROOT, "%s  %s  train99 %s  val99 %s  %.1f ms/step", o.status().label(),
                o.dir(), epochOrDash(o.grok().epochTrain99()), epochOrDash(o.grok().epochVal99()), o.msPerStep()));
        return switch (o.status()) {
            case DIVERGED -> DIVERGED;
            case INTERRUPTED -> INTERRUPTED;
            default -> 0;
        };
    }

    static ProgressReporter.Mode progressMode(OutputSpec.Progress p) {
        return switch (p) {
            case BAR -> ProgressReporter.Mode.BAR;
            case LOG -> ProgressReporter.Mode.LOG;
            case NONE -> ProgressReporter.Mode.NONE;
            case AUTO -> System.console() != null ? ProgressReporter.Mode.BAR : ProgressReporter.Mode.LOG;
        };
    }

    /** An epoch for the closing line, or "-" for one that never came (as the sweep table prints it). */
    private static String epochOrDash(Integer epoch) {
        return epoch == null ? "-" : epoch.toString();
    }
}
