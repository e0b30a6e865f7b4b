package dev.grokscope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grokscope.BadInputException;
import dev.grokscope.results.Npy;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine;

class AnalyzeCommandTest {
    private static final Path GOLDEN = dev.grokscope.spectra.GoldenSpectra.DIR;

    @TempDir
    Path tmp;

    /** Runs the command as the CLI would, returning {exit code, stdout}. */
    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new AnalyzeCommand());
        cl.setOut(new PrintWriter(out));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString()};
    }

    /** Parses and calls directly, so a BadInputException reaches the test instead of picocli's handler. */
    private static BadInputException badInput(String... args) {
        AnalyzeCommand cmd = new AnalyzeCommand();
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(out));
        cl.parseArgs(args);
        BadInputException e = assertThrows(BadInputException.class, cmd::call);
        assertEquals("", out.toString(), "nothing may be printed before every PATH is validated");
        assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        return e;
    }

    @Test
    void jsonForTheGoldenSetMatchesGoldenJson() throws IOException {
        if (!Files.isRegularFile(GOLDEN.resolve("golden.json"))) {
            fail("golden set missing: " + GOLDEN.toAbsolutePath().normalize());
        }
        List<String> args = new ArrayList<>();
        try (Stream<Path> files = Files.list(GOLDEN)) {
            files.filter(p -> p.toString().endsWith(".npy")).sorted().forEach(p -> args.add(p.toString()));
        }
        args.add("--json");
        String[] result = run(args.toArray(String[]::new));
        assertEquals("0", result[0]);
        JsonNode got = new ObjectMapper().readTree(result[1]);
        assertEquals(1, got.size(), "one top-level key");
        JsonNode matrices = got.get("matrices");
        JsonNode golden = new ObjectMapper().readTree(GOLDEN.resolve("golden.json").toFile()).get("matrices");
        for (Iterator<Map.Entry<String, JsonNode>> it = golden.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode mine = matrices.get(e.getKey());
            assertTrue(mine != null, "analyze --json lacks " + e.getKey());
            JsonNode want = e.getValue();
            assertEquals(want.get("shape"), mine.get("shape"), e.getKey() + " shape");
            double smax = want.get("singular_values").get(0).asDouble();
            for (int i = 0; i < want.get("singular_values").size(); i++) {
                assertEquals(want.get("singular_values").get(i).asDouble(), mine.get("singular_values").get(i).asDouble(),
                        1e-9 * smax, e.getKey() + " s[" + i + "]");
            }
            for (Iterator<String> keys = want.fieldNames(); keys.hasNext();) {
                String key = keys.next();
                if (key.equals("shape") || key.equals("singular_values") || key.equals("fit_note")) {
                    continue;
                }
                assertTrue(mine.has(key), e.getKey() + ": JSON lacks " + key);
                if (want.get(key).isNull()) {
                    assertTrue(mine.get(key).isNull(), e.getKey() + ": " + key + " must be null");
                    continue;
                }
                double w = want.get(key).asDouble();
                double tol = List.of("alpha", "xmin", "D", "sigma").contains(key) ? 1e-6 : 1e-9;
                double scale = key.startsWith("log_") ? Math.max(1, Math.abs(w)) : Math.abs(w);
                assertEquals(w, mine.get(key).asDouble(), tol * scale, e.getKey() + ": " + key);
            }
        }
        assertEquals("degenerate", matrices.get("orthogonal_ties").get("fit").asText());
    }

    @Test
    void tableHasOneRowPerMatrix() throws IOException {
        Npy.writeFloat64(tmp.resolve("a.npy"), new double[][] {{3, 0}, {0, 2}, {0, 0}});
        Npy.writeFloat64(tmp.resolve("b.npy"), randomMatrix(40, 30));
        String[] result = run(tmp.resolve("a.npy").toString(), tmp.resolve("b.npy").toString());
        assertEquals("0", result[0]);
        String[] lines = result[1].strip().split("\n");
        assertEquals(3, lines.length, result[1]);
        assertTrue(lines[0].startsWith("matrix") && lines[0].contains("alpha"), lines[0]);
        assertTrue(lines[1].startsWith("a ") && lines[1].contains("3x2"), lines[1]);
        assertTrue(lines[2].startsWith("b ") && lines[2].contains("40x30"), lines[2]);
    }

    @Test
    void runDirectoryAnalysesWeightsFinalAndSkipsVectors() throws IOException {
        Path weights = Files.createDirectories(tmp.resolve("run").resolve("weights").resolve("final"));
        Npy.writeFloat64(weights.resolve("layers.0.W.npy"), randomMatrix(6, 5));
        Npy.writeFloat64(weights.resolve("layers.0.b.npy"), new double[] {1, 2, 3, 4, 5});
        Npy.writeFloat64(weights.resolve("layers.1.W.npy"), randomMatrix(5, 3));
        JsonNode m = json(tmp.resolve("run").toString());
        assertEquals(List.of("layers.0.W", "layers.1.W"), names(m));
        assertEquals(3, m.get("layers.1.W").get("singular_values").size());
    }

    @Test
    void dl4jModelZipIsReadByLayerNames() throws IOException {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(7).nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        File zip = tmp.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, zip, false);
        JsonNode m = json(zip.toString());
        assertEquals(List.of("layers.0.W", "layers.1.W"), names(m));
        assertEquals("[7,5]", m.get("layers.0.W").get("shape").toString());
    }

    @Test
    void sameDiffFileIsReadByVariableNames() {
        SameDiff sd = SameDiff.create();
        sd.var("w_in", Nd4j.rand(DataType.FLOAT, 8, 4));
        sd.var("bias", Nd4j.rand(DataType.FLOAT, 4));
        File file = tmp.resolve("model.sd").toFile();
        sd.save(file, false);
        JsonNode m = json(file.toString());
        assertEquals(List.of("w_in"), names(m));
    }

    @Test
    void badInputsNameTheFileAndTheRule() throws IOException {
        Path good = tmp.resolve("good.npy");
        Npy.writeFloat64(good, randomMatrix(4, 3));
        Path missing = tmp.resolve("missing.npy");
        assertTrue(badInput(good.toString(), missing.toString()).getMessage().contains("missing.npy"));

        Path vector = tmp.resolve("vector.npy");
        Npy.writeFloat64(vector, new double[] {1, 2, 3});
        assertTrue(badInput(vector.toString()).getMessage().contains("2-D"));

        Path empty = tmp.resolve("empty.npy");
        Npy.writeFloat64(empty, new double[0][]);
        String emptyMsg = badInput(empty.toString()).getMessage();
        assertTrue(emptyMsg.contains("empty.npy"), emptyMsg);

        Path nan = tmp.resolve("nan.npy");
        Npy.writeFloat64(nan, new double[][] {{1, 2}, {Double.NaN, 4}});
        String nanMsg = badInput(nan.toString()).getMessage();
        assertTrue(nanMsg.contains("nan.npy") && nanMsg.contains("finite"), nanMsg);

        Path corrupt = tmp.resolve("corrupt.npy");
        Files.writeString(corrupt, "not numpy");
        assertTrue(badInput(corrupt.toString()).getMessage().contains("corrupt.npy"));

        Path junk = tmp.resolve("junk.bin");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        String junkMsg = badInput(junk.toString()).getMessage();
        assertTrue(junkMsg.contains("junk.bin"), junkMsg);

        Path notRun = Files.createDirectories(tmp.resolve("not-a-run"));
        assertTrue(badInput(notRun.toString()).getMessage().contains("weights/final"));
    }

    private static JsonNode json(String... paths) {
        List<String> args = new ArrayList<>(List.of(paths));
        args.add("--json");
        String[] result = run(args.toArray(String[]::new));
        assertEquals("0", result[0], result[1]);
        try {
            return new ObjectMapper().readTree(result[1]).get("matrices");
        } catch (IOException e) {
            return fail("not JSON: " + result[1]);
        }
    }

    private static List<String> names(JsonNode matrices) {
        List<String> names = new ArrayList<>();
        matrices.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static double[][] randomMatrix(int m, int n) {
        java.util.Random random = new java.util.Random(m * 31L + n);
        double[][] w = new double[m][n];
        for (double[] row : w) {
            for (int j = 0; j < n; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return w;
    }
}
