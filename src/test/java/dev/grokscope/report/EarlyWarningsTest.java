package dev.grokscope.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grokscope.BadInputException;
import dev.grokscope.report.EarlyWarnings.Outcome;
import dev.grokscope.report.EarlyWarnings.Row;
import dev.grokscope.report.EarlyWarnings.Rule;
import dev.grokscope.report.EarlyWarnings.Scored;
import dev.grokscope.warn.Warning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** The replay on the recorded runs of src/test/resources/dev/grokscope/warn (see the README there). */
class EarlyWarningsTest {
    static final Path FIXTURES = Path.of("src/test/resources/dev/grokscope/warn");
    static final Path GROKKING = FIXTURES.resolve("nanda-mod113-to-1600");
    static final Path NOT_GROKKING = FIXTURES.resolve("mlp-wd0-seed0");

    @TempDir
    Path tmp;

    @Test
    void replaysTheRecordedGrokkingRun() {
        Row r = EarlyWarnings.evaluate(List.of(GROKKING)).get(0);
        assertEquals("nanda-mod113-to-1600", r.run());
        assertEquals("1.0", r.weightDecay());
        assertEquals("0", r.seed());
        assertEquals("0.3", r.trainFraction());
        assertEquals(6850, r.epochVal99(), "from summary.json");
        assertEquals(1600, r.lastEpoch());
        assertEquals(new Warning(1200, "blocks.0.attn.W_Q", "effective_rank_normalized: x <= 0.5*max(x) x3"),
                r.scored(Rule.SPECTRAL).warning());
        assertScored(r.scored(Rule.SPECTRAL), Outcome.HIT, 5650);
        assertEquals(1390, r.scored(Rule.TRAIN_LOSS).warning().epoch());
        assertScored(r.scored(Rule.TRAIN_LOSS), Outcome.HIT, 5460);
        assertEquals(1500, r.scored(Rule.WEIGHT_NORM).warning().epoch());
        assertScored(r.scored(Rule.WEIGHT_NORM), Outcome.HIT, 5350);
        assertEquals(List.of(), r.notes());
    }

    @Test
    void replaysTheRecordedNonGrokkingRun() {
        Row r = EarlyWarnings.evaluate(List.of(NOT_GROKKING)).get(0);
        assertNull(r.epochVal99());
        assertEquals(160, r.lastEpoch());
        for (Rule rule : Rule.values()) {
            assertNull(r.scored(rule).warning(), rule.column());
            assertScored(r.scored(rule), Outcome.QUIET, null);
        }
    }

    @Test
    void aSweepDirectoryIsReplayedRunByRun() throws IOException {
        Path sweep = tmp.resolve("sweep");
        copy(GROKKING, sweep.resolve("runs").resolve("b"));
        copy(NOT_GROKKING, sweep.resolve("runs").resolve("a"));
        Files.writeString(sweep.resolve("runs").resolve("b.log"), "not a run\n");
        copy(GROKKING, sweep.resolve("runs").resolve("b.replaced-20261201-173232")); // an earlier attempt, kept
        List<Row> rows = EarlyWarnings.evaluate(List.of(sweep));
        assertEquals(List.of("sweep/a", "sweep/b"), rows.stream().map(Row::run).toList());
        assertEquals(Outcome.HIT, rows.get(1).scored(Rule.SPECTRAL).outcome());
    }

    @Test
    void aRunStillGoingIsOpenUntilItGroksOrEnds() throws IOException {
        Path run = tmp.resolve("going");
        copy(NOT_GROKKING, run);
        Files.delete(run.resolve("summary.json"));
        Files.writeString(run.resolve("run.json"), "{\"status\": \"running\"}");
        Row r = EarlyWarnings.evaluate(List.of(run)).get(0);
        assertEquals("running", r.status());
        assertEquals(Outcome.OPEN, r.scored(Rule.SPECTRAL).outcome());
        assertTrue(r.notes().isEmpty(), r.notes().toString());
    }

    @Test
    void metricsRowsOutOfEpochOrderAreLeftOutAndNoted() throws IOException {
        Path run = tmp.resolve("dup");
        copy(GROKKING, run);
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        lines.add(lines.get(5)); // epoch 40 again after 1,600
        Files.write(run.resolve("metrics.csv"), lines);
        Row r = EarlyWarnings.evaluate(List.of(run)).get(0);
        assertEquals(List.of("metrics.csv: 1 row(s) without an epoch after the row before left out"), r.notes());
        assertEquals(1390, r.scored(Rule.TRAIN_LOSS).warning().epoch());
        assertEquals(1600, r.lastEpoch());
    }

    @Test
    void scoring() {
        Optional<Warning> at100 = Optional.of(new Warning(100, "m", "r"));
        assertScored(EarlyWarnings.score("r", at100, 150, true), Outcome.HIT, 50);
        assertScored(EarlyWarnings.score("r", at100, 100, true), Outcome.LATE, 0);
        assertScored(EarlyWarnings.score("r", at100, 60, false), Outcome.LATE, -40);
        assertScored(EarlyWarnings.score("r", Optional.empty(), 60, true), Outcome.MISS, null);
        assertScored(EarlyWarnings.score("r", at100, null, true), Outcome.FALSE_ALARM, null);
        assertScored(EarlyWarnings.score("r", at100, null, false), Outcome.OPEN, null);
        assertScored(EarlyWarnings.score("r", Optional.empty(), null, true), Outcome.QUIET, null);
        assertScored(EarlyWarnings.score("r", Optional.empty(), null, false), Outcome.OPEN, null);
    }

    @Test
    void aDirectoryThatIsNoRunIsBadInput() throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        BadInputException e = assertThrows(BadInputException.class, () -> EarlyWarnings.evaluate(List.of(empty)));
        assertTrue(e.getMessage().startsWith(empty + ": neither a run directory"), e.getMessage());
    }

    @Test
    void theTableAndFiguresAreWritten() throws IOException {
        List<Row> rows = EarlyWarnings.evaluate(List.of(GROKKING, NOT_GROKKING));
        Path out = tmp.resolve("out");
        List<Path> files = EarlyWarningReport.write(rows, out);
        assertEquals(List.of(out.resolve("early-warning.csv"), out.resolve("early-warning.md"),
                out.resolve("early-warning.png"), out.resolve("figures/nanda-mod113-to-1600.png"), out.resolve("figures/mlp-wd0-seed0.png")), files);
        Table t = Table.read(out.resolve("early-warning.csv"));
        assertEquals(EarlyWarningReport.header(), t.header());
        assertEquals("1200", t.rows().get(0).get("spectral_warning_epoch"));
        assertEquals("blocks.0.attn.W_Q", t.rows().get(0).get("spectral_matrix"));
        assertEquals("5650", t.rows().get(0).get("spectral_lead"));
        assertEquals("quiet", t.rows().get(1).get("weight_norm_outcome"));
        String md = Files.readString(out.resolve("early-warning.md"));
        assertTrue(md.contains("| spectral | `effective_rank_normalized: x <= 0.5*max(x) x3` | 1 | 5650 (5650-5650) | 0 | 0 | 0 | 1 | 0 |"), md);
        XYFigure f = EarlyWarningReport.figure(rows.get(0));
        assertEquals(List.of(6850.0, 1200.0, 1390.0, 1500.0), f.markers().stream().map(XYFigure.Marker::x).toList());
        XYFigure o = EarlyWarningReport.overview(rows);
        // run 0 groks and every rule fires; run 1 neither: only run 0's points are drawn (epoch + 1)
        assertEquals(List.of("val 99%", "spectral warning", "train_loss warning", "weight_norm warning"),
                o.series().stream().map(XYFigure.Series::name).toList());
        assertEquals(List.of(6851.0, 1201.0, 1391.0, 1501.0), o.series().stream().map(s -> s.y()[0]).toList());
        assertTrue(o.series().stream().allMatch(s -> s.size() == 1 && s.x()[0] == 0));
    }

    private static void assertScored(Scored s, Outcome o, Integer lead) {
        assertEquals(o, s.outcome());
        assertEquals(lead, s.lead());
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()));
            }
        }
    }
}
