package dev.grokscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    @Test
    void printsOneJsonObjectWithTimesAndMemory(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tiny.yaml");
        Files.writeString(config, """
                data: {p: 11, trainFraction: 0.5}
                model: {type: transformer, dModel: 16, nHeads: 2, dHead: 8, dMlp: 32}
                """);
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = Main.execute("bench", config.toString(), "--steps", "4", "--warmup", "1");
        } finally {
            System.setOut(out);
        }
        assertEquals(0, code);
        JsonNode json = new ObjectMapper().readTree(captured.toString(StandardCharsets.UTF_8));
        assertTrue(json.at("/ms_per_step/median").asDouble() > 0, json.toString());
        assertTrue(json.at("/ms_per_step/mean").asDouble() > 0);
        assertTrue(json.at("/peak_rss_mb/end").asLong() >= json.at("/peak_rss_mb/start").asLong());
        assertEquals(4, json.get("steps").asInt());
        assertTrue(json.get("threads").asInt() >= 1);
        assertEquals("CPU", json.at("/backend/backend").asText());
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertEquals(2.0, BenchCommand.median(new double[] {3, 1, 2}));
        assertEquals(2.5, BenchCommand.median(new double[] {4, 1, 2, 3}));
    }
}
