package dev.grokscope.cli;

import dev.grokscope.report.EarlyWarningReport;
import dev.grokscope.report.EarlyWarnings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code grokscope warn DIR... [--out DIR]}: replays recorded runs through the pre-registered early-warning
 * rules (docs/early-warning.md) and writes the evaluation table and figures.
 */
@Command(name = "warn", mixinStandardHelpOptions = true,
        description = "Replay run or sweep directories through the pre-registered early-warning rules (spectral: "
                + "normalised effective rank halved; baselines: training-loss spike, weight-norm drop) and write "
                + "early-warning.csv, early-warning.md and figures/<run>.png into --out. Reads results only.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:evaluation written", "1:the outputs could not be written",
                "2:a DIR is neither a run nor a sweep directory"})
public final class WarnCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Run directories and/or sweep directories.")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "early-warning",
            description = "Where to write the table and figures (default: ${DEFAULT-VALUE}).")
    Path out;

    /** @throws dev.grokscope.BadInputException naming a DIR that is neither a run nor a sweep directory */
    @Override
    public Integer call() throws IOException {
        List<EarlyWarnings.Row> rows = EarlyWarnings.evaluate(dirs);
        List<Path> files = EarlyWarningReport.write(rows, out);
        System.out.println(out.resolve(EarlyWarningReport.MARKDOWN) + "  (" + rows.size() + " run(s), "
                + files.size() + " files)");
        return 0;
    }
}
