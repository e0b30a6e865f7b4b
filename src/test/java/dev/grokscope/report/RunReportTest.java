package dev.grokscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.BadInputException;
import dev.grokscope.cli.Main;
import dev.grokscope.results.Json;
import dev.grokscope.results.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
    private static Path run;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeRun() throws IOException {
        run = RealRuns.run();
    }

    private static Map<String, Figure> byId(List<Figure> figures) {
        return figures.stream().collect(Collectors.toMap(Figure::id, Function.identity()));
    }

    @Test
    void everyFigureOfARealRunIsWrittenAsNonBlankPngOfTheRightSizeAndSvg() throws IOException {
        Path copy = RealRuns.copy(run, tmp.resolve("run"));
        Reports.Report r = Reports.write(copy);
        assertEquals(Reports.Kind.RUN, r.kind());
        assertEquals(List.of(), r.missing(), "a completed run misses nothing");
        List<Figure> figures = RunFigures.of(RunData.read(copy));
        List<String> matrices = RunData.read(copy).matrices();
        assertEquals(List.of("layers.0.W", "layers.1.W"), matrices);
        List<String> expected = new ArrayList<>(List.of("accuracy", "loss", "weight-norm", "memory",
                "effective-rank", "stable-rank", "alpha"));
        matrices.forEach(m -> expected.addAll(List.of("sv-top-" + m, "sv-heatmap-" + m)));
        assertEquals(expected, figures.stream().map(Figure::id).toList());
        Path out = copy.resolve(Reports.DIR);
        for (Figure f : figures) {
            Images.assertPng(out.resolve(f.id() + ".png"), ChartImages.WIDTH, ChartImages.HEIGHT);
            Images.assertSvg(out.resolve(f.id() + ".svg"));
        }
        assertEquals(2 * figures.size() + 1, r.files().size(), "a PNG and an SVG per figure, and report.html");
        String html = Files.readString(r.html());
        assertFalse(html.contains("Missing or incomplete"), "no missing section for a completed run");
        assertFalse(html.matches("(?s).*<script[^>]+src=.*"), "no external scripts");
        assertFalse(html.contains("http://") || html.contains("https://") && html.contains("<link"), "no external links");
        for (Figure f : figures) {
            assertTrue(html.contains("id=\"fig-" + f.id() + "\""), "report.html has a section for " + f.id());
        }
    }

    @Test
    void figuresHoldTheRunsData() throws IOException {
        RunData data = RunData.read(run);
        Map<String, Figure> f = byId(RunFigures.of(data));
        int evaluated = data.metrics().rows().size();
        assertEquals(RealRuns.RUN_EPOCHS + 1, evaluated, "metrics.csv: epochs 0.." + RealRuns.RUN_EPOCHS);
        JsonNode summary = Json.mapper().readTree(run.resolve("summary.json").toFile());
        int markers = (summary.get("epoch_train_99").isNull() ? 0 : 1) + (summary.get("epoch_val_99").isNull() ? 0 : 1);
        assertTrue(markers >= 1, "the fixture learns its training set: " + summary);

        XYFigure acc = (XYFigure) f.get("accuracy");
        assertEquals(List.of("train accuracy", "val accuracy"), acc.series().stream().map(XYFigure.Series::name).toList());
        acc.series().forEach(s -> assertEquals(evaluated, s.size(), s.name() + ": one point per evaluated epoch"));
        assertEquals(1.0, acc.series().get(0).x()[0], "epoch 0 is drawn at 1 on the log axis");
        assertTrue(acc.xLog());
        assertEquals(markers, acc.markers().size(), "one vertical line per 99% epoch in summary.json");
        if (!summary.get("epoch_train_99").isNull()) {
            assertEquals(summary.get("epoch_train_99").asDouble() + 1, acc.markers().get(0).x());
        }
        assertEquals(2 + markers, ChartImages.xyChart(acc).getSeriesMap().size(), "XChart: data series + marker lines");

        XYFigure loss = (XYFigure) f.get("loss");
        assertTrue(loss.xLog() && loss.yLog());
        assertEquals(2 * evaluated, loss.points());
        assertEquals(evaluated, ((XYFigure) f.get("weight-norm")).points());

        double[] epochs = Npy.read(run.resolve("spectra/epochs.npy")).data();
        int snapshots = epochs.length;
        for (String id : List.of("effective-rank", "stable-rank")) {
            XYFigure x = (XYFigure) f.get(id);
            assertEquals(data.matrices(), x.series().stream().map(XYFigure.Series::name).toList(), id + ": one series per matrix");
            x.series().forEach(s -> assertEquals(snapshots, s.size(), id + " " + s.name()));
        }
        XYFigure alpha = (XYFigure) f.get("alpha");
        assertEquals(data.matrices().size(), alpha.series().size());
        for (String m : data.matrices()) {
            Npy.Array sv = Npy.read(run.resolve("spectra/" + m + ".npy"));
            XYFigure top = (XYFigure) f.get("sv-top-" + m);
            assertEquals(Math.min(RunFigures.TOP_K, sv.cols()), top.series().size(), m + ": top-k lines");
            top.series().forEach(s -> assertEquals(snapshots, s.size()));
            assertEquals(sv.data()[0], top.series().get(0).y()[0], 0.0, "sigma_1 at the first snapshot");
            assertTrue(top.yLog() && top.xLog());
            HeatmapFigure h = (HeatmapFigure) f.get("sv-heatmap-" + m);
            assertEquals(snapshots, h.rows().length, m + ": heatmap rows = snapshots");
            assertEquals(sv.cols(), h.cols(), m + ": heatmap columns = singular values");
            assertEquals(Math.log10(sv.data()[0]), h.z()[0][0], 1e-12);
        }
    }

    @Test
    void aRunStillGoingSaysThatSummaryIsMissingAndStillDrawsWhatThereIs() throws IOException {
        Path copy = RealRuns.copy(run, tmp.resolve("going"));
        Files.delete(copy.resolve("summary.json"));
        String runJson = Files.readString(copy.resolve("run.json")).replace("\"completed\"", "\"running\"");
        Files.writeString(copy.resolve("run.json"), runJson);
        Files.writeString(copy.resolve("metrics.csv"), Files.readString(copy.resolve("metrics.csv")) + "41,41,0.01");
        Reports.Report r = Reports.write(copy);
        assertTrue(r.missing().stream().anyMatch(m -> m.startsWith("summary.json is absent") && m.contains("running")),
                "says summary.json is missing: " + r.missing());
        assertTrue(r.missing().stream().anyMatch(m -> m.contains("incomplete row")), r.missing().toString());
        String html = Files.readString(r.html());
        assertTrue(html.contains("Missing or incomplete") && html.contains("summary.json is absent"));
        assertTrue(html.contains("status: running"));
        XYFigure acc = (XYFigure) byId(RunFigures.of(RunData.read(copy))).get("accuracy");
        assertEquals(RealRuns.RUN_EPOCHS + 1, acc.series().get(0).size(), "the half-written row is left out");
        Images.assertPng(copy.resolve("report/accuracy.png"), ChartImages.WIDTH, ChartImages.HEIGHT);
    }

    @Test
    void aDivergedRunSaysFromWhichEpochValuesAreNaN() throws IOException {
        Path copy = RealRuns.copy(run, tmp.resolve("diverged"));
        List<String> lines = new ArrayList<>(Files.readAllLines(copy.resolve("metrics.csv")));
        int firstBad = 31; // metrics and spectra of epochs >= 31 become NaN / empty
        for (int i = firstBad + 1; i < lines.size(); i++) {
            String[] c = lines.get(i).split(",", -1);
            for (int k = 2; k <= 6; k++) {
                c[k] = "NaN"; // losses, accuracies, weight norm; epoch, step and the machine columns stay
            }
            lines.set(i, String.join(",", c));
        }
        Files.write(copy.resolve("metrics.csv"), lines);
        List<String> spectra = new ArrayList<>(Files.readAllLines(copy.resolve("spectra.csv")));
        for (int i = 1; i < spectra.size(); i++) {
            String[] c = spectra.get(i).split(",", -1);
            if (Integer.parseInt(c[0]) >= firstBad) {
                for (int k = 4; k < c.length - 2; k++) {
                    c[k] = k == 17 ? "failed" : "";
                }
                spectra.set(i, String.join(",", c));
            }
        }
        Files.write(copy.resolve("spectra.csv"), spectra);
        Files.writeString(copy.resolve("summary.json"),
                Files.readString(copy.resolve("summary.json")).replace("\"completed\"", "\"diverged\""));
        Reports.Report r = Reports.write(copy);
        assertTrue(r.missing().stream().anyMatch(m -> m.contains("NaN") && m.contains("from epoch " + firstBad)),
                "names the first NaN epoch: " + r.missing());
        Map<String, Figure> f = byId(RunFigures.of(RunData.read(copy)));
        assertEquals(2 * firstBad, ((XYFigure) f.get("loss")).points(), "NaN rows (epochs >= firstBad) are left out");
        XYFigure rank = (XYFigure) f.get("effective-rank");
        rank.series().forEach(s -> assertEquals(firstBad, s.size(), "empty cells are left out"));
        assertTrue(((XYFigure) f.get("alpha")).notes().stream().anyMatch(n -> n.contains("no alpha")));
        for (Figure fig : f.values()) {
            Images.assertPng(copy.resolve("report").resolve(fig.id() + ".png"), ChartImages.WIDTH, ChartImages.HEIGHT);
        }
        assertTrue(Files.readString(r.html()).contains("status: diverged"));
    }

    @Test
    void aRunWithOnlyRunJsonGetsAReportListingEverythingMissing() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bare"));
        Files.copy(run.resolve("run.json"), dir.resolve("run.json"));
        Reports.Report r = Reports.write(dir);
        assertNotNull(r.html());
        for (String file : List.of("config.yaml is absent", "metrics.csv is absent", "spectra.csv is absent",
                "spectra/epochs.npy is absent", "summary.json is absent")) {
            assertTrue(r.missing().stream().anyMatch(m -> m.startsWith(file)), file + " in " + r.missing());
        }
        Images.assertPng(dir.resolve("report/accuracy.png"), ChartImages.WIDTH, ChartImages.HEIGHT);
        assertTrue(((XYFigure) byId(RunFigures.of(RunData.read(dir))).get("accuracy")).series().isEmpty());
    }

    @Test
    void aDirectoryThatIsNeitherIsBadInputNamingThePath() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        BadInputException e = assertThrows(BadInputException.class, () -> Reports.write(empty));
        assertTrue(e.getMessage().startsWith(empty.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(Main.BAD_INPUT, Main.execute("report", empty.toString()));
        assertEquals(Main.BAD_INPUT, Main.execute("report", tmp.resolve("absent").toString()));
        assertFalse(Files.exists(empty.resolve(Reports.DIR)), "nothing written");
    }

    @Test
    void theCommandWritesTheReport() throws IOException {
        Path copy = RealRuns.copy(run, tmp.resolve("cli"));
        assertEquals(0, Main.execute("report", copy.toString()));
        assertTrue(Files.isRegularFile(copy.resolve("report/report.html")));
        assertTrue(Files.isRegularFile(copy.resolve("report/accuracy.svg")));
    }
}
