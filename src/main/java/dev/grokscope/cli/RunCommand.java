package dev.grokscope.cli;

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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code grokscope run CONFIG [--set key=value]... [--out DIR]}. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Train one experiment and record its metrics and weight spectra in a run directory.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:completed", "1:failed at run time (run marked failed)",
                "2:bad input (nothing written)", "3:diverged (run marked diverged)"})
final class RunCommand implements Callable<Integer> {
    static final int DIVERGED = 3;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "Experiment YAML (see configs/).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config value, e.g. --set training.epochs=300 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Write the run exactly here (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Experiment e = ConfigLoader.load(config, sets);
        RunDirectory dir = RunDirectory.planned(ExperimentRunner.directoryFor(e, config, out));
        List<String> command = new ArrayList<>(List.of("grokscope", "run", config.toString()));
        sets.forEach(s -> command.addAll(List.of("--set", s)));
        if (out != null) {
            command.addAll(List.of("--out", out.toString()));
        }
        System.err.println("grokscope: run " + config + " -> " + dir.root());
        ExperimentRunner.Outcome o = ExperimentRunner.run(e, dir, command, progressMode(e.output().progress()));
        System.out.println(String.format(Locale.ROOT, "%s  %s  train99 %s  val99 %s  %.1f ms/step", o.status().label(),
                o.dir(), o.grok().epochTrain99(), o.grok().epochVal99(), o.msPerStep()));
        return o.status() == RunStatus.DIVERGED ? DIVERGED : 0;
    }

    static ProgressReporter.Mode progressMode(OutputSpec.Progress p) {
        return switch (p) {
            case BAR -> ProgressReporter.Mode.BAR;
            case LOG -> ProgressReporter.Mode.LOG;
            case NONE -> ProgressReporter.Mode.NONE;
            case AUTO -> System.console() != null ? ProgressReporter.Mode.BAR : ProgressReporter.Mode.LOG;
        };
    }
}
