package dev.grokscope.cli;

import dev.grokscope.report.Reports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code grokscope report RUN_DIR|SWEEP_DIR}: figures and a self-contained report.html in DIR/report/. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write figures (PNG, SVG) and a self-contained report.html into DIR/report/ from a run or "
                + "sweep directory. Reads results only; missing data is listed in the report.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:report written (it lists anything missing)", "1:the report could not be written",
                "2:DIR is neither a run nor a sweep directory"})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "A run directory or a sweep directory.")
    Path dir;

    /** @throws dev.grokscope.BadInputException naming DIR when it is neither a run nor a sweep directory */
    @Override
    public Integer call() {
        Reports.Report r = Reports.write(dir);
        r.missing().forEach(m -> System.err.println("grokscope: report: missing: " + m));
        if (r.html() == null) {
            return Main.FAILED;
        }
        System.out.println(r.html() + "  (" + (r.files().size() - 1) + " figure files, " + r.missing().size()
                + " missing item(s))");
        return 0;
    }
}
