package dev.grokscope.report;

import dev.grokscope.BadInputException;
import dev.grokscope.results.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the report of a run or sweep directory into {@code <dir>/report/}: one PNG and one SVG per
 * figure and a self-contained {@code report.html}. Reads results only; never trains.
 *
 * <p>Runs and sweeps call {@link #write(Path)} when they end. Missing or broken data never makes it
 * throw: what is missing is listed at the top of the report (and in {@link Report#missing()}).
 */
public final class Reports {
    public static final String DIR = "report";
    public static final String HTML = "report.html";
    private static final Logger LOG = LoggerFactory.getLogger(Reports.class);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Reports() {
    }

    /** What a report directory holds. */
    public enum Kind { RUN, SWEEP }

    /**
     * What was written.
     *
     * @param html the report, or null when not even it could be written
     * @param files every file written (figures and report.html)
     * @param missing one sentence per missing or unusable input, and per figure that could not be drawn
     */
    public record Report(Kind kind, Path html, List<Path> files, List<String> missing) {
    }

    /** RUN, SWEEP or null for a path that is neither. */
    public static Kind kind(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        if (Files.exists(dir.resolve("sweep.yaml")) || Files.exists(dir.resolve("plan.csv"))
                || Files.isDirectory(dir.resolve("runs"))) {
            return Kind.SWEEP;
        }
        if (Files.exists(dir.resolve("run.json")) || Files.exists(dir.resolve("metrics.csv"))
                || Files.exists(dir.resolve("config.yaml"))) {
            return Kind.RUN;
        }
        return null;
    }

    /**
     * Writes the report of a run or sweep directory.
     *
     * @throws BadInputException naming the path when it is neither a run nor a sweep directory
     */
    public static Report write(Path dir) {
        Kind kind = kind(dir);
        if (kind == null) {
            throw new BadInputException(dir + ": neither a run directory (run.json, metrics.csv, config.yaml) "
                    + "nor a sweep directory (sweep.yaml, plan.csv, runs/)");
        }
        List<String> missing = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        Path out = dir.resolve(DIR);
        Path html = null;
        try {
            Files.createDirectories(out);
            HtmlReport page;
            List<Figure> figures;
            if (kind == Kind.RUN) {
                RunData run = RunData.read(dir);
                missing.addAll(run.missing());
                figures = safeFigures(() -> RunFigures.of(run), missing);
                figures = new ArrayList<>(figures);
                figures.addAll(InterventionFigures.ofRun(dir)); // grokscope lowrank's, when the run has them
                page = HtmlReport.forRun(run, figures);
            } else {
                SweepData sweep = SweepData.read(dir);
                missing.addAll(sweep.missing());
                figures = safeFigures(() -> SweepFigures.of(sweep), missing);
                page = HtmlReport.forSweep(sweep, figures);
            }
            for (Figure f : figures) {
                try {
                    files.addAll(ChartImages.write(f, out));
                } catch (IOException | RuntimeException e) {
                    missing.add("figure " + f.id() + " could not be drawn: " + e);
                    LOG.warn("report: figure {} could not be drawn", f.id(), e);
                }
            }
            html = out.resolve(HTML);
            AtomicFiles.writeString(html, page.render(missing));
            files.add(html);
        } catch (IOException | RuntimeException e) {
            missing.add("the report could not be completed: " + e);
            LOG.warn("report: {} could not be completed", dir, e);
        }
        return new Report(kind, html, List.copyOf(files), List.copyOf(missing));
    }

    private interface FigureSource {
        List<Figure> get();
    }

    private static List<Figure> safeFigures(FigureSource s, List<String> missing) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            missing.add("the figures could not be built: " + e);
            LOG.warn("report: figures could not be built", e);
            return List.of();
        }
    }
}
