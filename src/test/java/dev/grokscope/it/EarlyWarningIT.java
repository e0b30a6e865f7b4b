package dev.grokscope.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grokscope.warn.SpectralWarning;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spectral early warning runs online in every run with spectra: summary.json records what the
 * pre-registered rule gives on the run's own spectra.csv, the log says when it fires, and a run killed
 * and resumed fires where the uninterrupted one does (the rule's state is replayed on resume).
 */
class EarlyWarningIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A small transformer whose W_Q loses half its normalised effective rank within 400 epochs (epoch 340 seen). */
    private static final String CONFIG = """
            seed: 0
            data: {p: 13, trainFraction: 0.5}
            model: {type: transformer, nLayers: 1, dModel: 32, nHeads: 2, dHead: 16, dMlp: 64, layerNorm: "off", bias: true}
            optimizer: {lr: 3.0e-3, weightDecay: 1.0, beta2: 0.98}
            training: {epochs: 400, evalEvery: 10}
            instrumentation: {spectraEvery: 10, finalWeights: false}
            checkpoint: {everyEpochs: 50}
            output: {progress: log, report: false}
            """;

    @TempDir
    Path tmp;

    /** What the rule gives when replayed offline on a run's spectra.csv. */
    private static SpectralWarning replay(Path run) throws Exception {
        List<Map<String, String>> rows = new ArrayList<>();
        for (CSVRecord r : RunCommandIT.csv(run.resolve("spectra.csv"))) {
            rows.add(r.toMap());
        }
        return SpectralWarning.replayed(rows);
    }

    @Test
    void theOnlineWarningEqualsTheReplayAndSurvivesAResume() throws Exception {
        Path config = tmp.resolve("ew.yaml");
        Files.writeString(config, CONFIG);
        Path whole = tmp.resolve("whole");
        Cli.Result r = Cli.run("run", config.toString(), "--out", whole.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode summary = JSON.readTree(whole.resolve("summary.json").toFile());
        SpectralWarning offline = replay(whole);
        assertTrue(offline.warning().isPresent(), "the rule fires on this run's spectra");
        int epoch = offline.warning().get().epoch();
        assertEquals(epoch, summary.path(SpectralWarning.SUMMARY_EPOCH).asInt(), summary.toString());
        assertEquals(offline.warning().get().matrix(), summary.path(SpectralWarning.SUMMARY_MATRIX).asText());
        assertEquals(offline.rule(), summary.path(SpectralWarning.SUMMARY_RULE).asText());
        assertTrue(r.err().contains("spectral early warning at epoch " + epoch), r.err());

        // Killed after the checkpoint of epoch 300, shortly before the warning (a rule that restarted its
        // running maxima at the resume could not fire by 340), then resumed: it fires at the same epoch.
        Path killed = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", Cli.JAR.toAbsolutePath().toString(), "run",
                config.toString(), "--out", killed.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("OMP_NUM_THREADS", "2");
        Process p = pb.start();
        assertTrue(epoch > 300, "the warning comes after epoch 300 on this run, at " + epoch);
        ResilienceIT.awaitCheckpointAfter(killed, 299, p);
        p.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        Cli.Result resumed = Cli.run("run", "--resume", killed.toString());
        assertEquals(0, resumed.exit(), resumed.err());
        JsonNode again = JSON.readTree(killed.resolve("summary.json").toFile());
        assertFalse(ResilienceIT.resumedAfter(killed).isEmpty());
        assertEquals(epoch, again.path(SpectralWarning.SUMMARY_EPOCH).asInt(), again.toString());
        assertEquals(summary.path(SpectralWarning.SUMMARY_MATRIX).asText(), again.path(SpectralWarning.SUMMARY_MATRIX).asText());
    }
}
