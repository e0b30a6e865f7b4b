package dev.grokscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepReportTest {
    private static Path sweep;
    private static final int RUNS = RealRuns.WEIGHT_DECAYS.length * RealRuns.SEEDS.length;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeSweep() throws IOException {
        sweep = RealRuns.sweep();
    }

    private static Map<String, Figure> figures(Path dir) {
        return SweepFigures.of(SweepData.read(dir)).stream().collect(Collectors.toMap(Figure::id, Function.identity()));
    }

    @Test
    void everySweepFigureIsWrittenAndHoldsOnePointPerRun() throws IOException {
        Path copy = RealRuns.copy(sweep, tmp.resolve("sweep"));
        Reports.Report r = Reports.write(copy);
        assertEquals(Reports.Kind.SWEEP, r.kind());
        assertEquals(List.of(), r.missing());
        SweepData data = SweepData.read(copy);
        assertEquals("optimizer.weightDecay", data.mainAxis());
        assertEquals(List.of("0", "1", "5"), SweepFigures.categories(data, data.mainAxis()));
        Map<String, Figure> f = figures(copy);
        assertEquals(List.of("grok-epoch", "final-accuracy", "effective-rank", "val-curves-seed=0", "train-curves-seed=0",
                "rank-curves-seed=0", "val-curves-seed=1", "train-curves-seed=1", "rank-curves-seed=1"),
                SweepFigures.of(data).stream().map(Figure::id).toList());
        for (Figure fig : f.values()) {
            Images.assertPng(copy.resolve("report").resolve(fig.id() + ".png"), ChartImages.WIDTH, ChartImages.HEIGHT);
            Images.assertSvg(copy.resolve("report").resolve(fig.id() + ".svg"));
        }

        XYFigure grok = (XYFigure) f.get("grok-epoch");
        long grokked = data.runs().stream().filter(x -> Double.isFinite(x.epochVal99())).count();
        int perSeed = grok.series().stream().filter(s -> s.name().startsWith("seed=")).mapToInt(XYFigure.Series::size).sum();
        int notGrokked = grok.series().stream().filter(s -> s.name().startsWith("did not grok"))
                .mapToInt(XYFigure.Series::size).sum();
        assertEquals(grokked, perSeed, "one point per grokked run");
        assertEquals(RUNS - grokked, notGrokked, "every other run drawn grey at its last epoch");
        assertEquals(Map.of(0.0, "0", 1.0, "1", 2.0, "5"), grok.xTicks(), "weight decay as categories, 0 included");

        XYFigure acc = (XYFigure) f.get("final-accuracy");
        assertEquals(List.of("train (each run)", "val (each run)", "train median", "val median"),
                acc.series().stream().map(XYFigure.Series::name).toList());
        assertEquals(RUNS, acc.series().get(0).size());
        assertEquals(RUNS, acc.series().get(1).size());
        assertEquals(RealRuns.WEIGHT_DECAYS.length, acc.series().get(3).size(), "one median per weight decay");
        assertEquals(4, ChartImages.xyChart(acc).getSeriesMap().size());

        XYFigure rank = (XYFigure) f.get("effective-rank");
        assertEquals(RUNS, rank.series().stream().filter(s -> s.name().startsWith("seed=")).mapToInt(XYFigure.Series::size).sum());

        for (int seed : RealRuns.SEEDS) {
            XYFigure curves = (XYFigure) f.get("val-curves-seed=" + seed);
            assertEquals(List.of("optimizer.weightDecay=0", "optimizer.weightDecay=1", "optimizer.weightDecay=5"),
                    curves.series().stream().map(XYFigure.Series::name).toList(), "one curve per weight decay");
            curves.series().forEach(s -> assertEquals(RealRuns.SWEEP_EPOCHS + 1, s.size()));
            assertEquals(3, curves.series().stream().map(XYFigure.Series::color).distinct().count(), "coloured by weight decay");
            XYFigure train = (XYFigure) f.get("train-curves-seed=" + seed);
            assertEquals(curves.series().stream().map(XYFigure.Series::name).toList(),
                    train.series().stream().map(XYFigure.Series::name).toList());
            XYFigure ranks = (XYFigure) f.get("rank-curves-seed=" + seed);
            assertEquals(3, ranks.series().size());
            for (SweepData.Run run : data.runs().stream().filter(x -> x.axisValues().get("seed").equals(String.valueOf(seed))).toList()) {
                double[] m = run.meanEffectiveRank();
                assertTrue(m.length > 1, run.id());
                assertEquals(run.finalMeanEffectiveRank(), m[m.length - 1], 1e-12, run.id() + ": the curve ends at summary.csv's value");
                assertEquals(run.epochs().length, run.trainAccuracy().length);
            }
        }
        assertTrue(Files.readString(r.html()).contains("wd=5,seed=1"), "the runs table lists every run");
    }

    @Test
    void aRunMissingFromSummaryCsvIsTakenFromItsDirectoryAndNoted() throws IOException {
        Path copy = RealRuns.copy(sweep, tmp.resolve("partial"));
        List<String> lines = Files.readAllLines(copy.resolve("summary.csv"));
        Files.write(copy.resolve("summary.csv"), lines.subList(0, lines.size() - 1));
        Files.delete(copy.resolve("sweep.yaml"));
        Reports.Report r = Reports.write(copy);
        assertTrue(r.missing().stream().anyMatch(m -> m.contains("summary.csv has no row for wd=5,seed=1")), r.missing().toString());
        assertTrue(r.missing().stream().anyMatch(m -> m.startsWith("sweep.yaml is absent")), r.missing().toString());
        XYFigure acc = (XYFigure) figures(copy).get("final-accuracy");
        assertEquals(RUNS, acc.series().get(1).size(), "the run's own summary.json gives its final accuracy");
        XYFigure rank = (XYFigure) figures(copy).get("effective-rank");
        assertEquals(RUNS - 1, rank.points() - RealRuns.WEIGHT_DECAYS.length, "no effective rank without summary.csv");
    }

    @Test
    void aSweepWithOnlyAPlanSaysThatNothingHasRunYet() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("planned"));
        Files.copy(sweep.resolve("plan.csv"), dir.resolve("plan.csv"));
        Reports.Report r = Reports.write(dir);
        assertTrue(r.missing().stream().anyMatch(m -> m.startsWith("summary.csv is absent")), r.missing().toString());
        assertTrue(r.missing().stream().anyMatch(m -> m.contains("no validation curve")), r.missing().toString());
        Images.assertPng(dir.resolve("report/grok-epoch.png"), ChartImages.WIDTH, ChartImages.HEIGHT);
        assertTrue(Files.readString(r.html()).contains("Missing or incomplete"));
    }
}
