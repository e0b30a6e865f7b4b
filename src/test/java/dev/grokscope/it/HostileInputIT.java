package dev.grokscope.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input, table-driven: each gets exit code 2, one line naming what and where, and leaves every
 * file as it was (a completed run sits in the workspace throughout and must not change).
 */
class HostileInputIT {
    @TempDir
    static Path ws;
    static Path newest;

    @BeforeAll
    static void workspace() throws Exception {
        Files.createDirectories(ws.resolve("results"));
        Cli.Result r = Cli.run(ws, "run", Path.of("configs/quickstart.yaml").toAbsolutePath().toString(),
                "--set", "data.p=11", "--set", "model.width=16", "--set", "training.epochs=6",
                "--set", "checkpoint.everyEpochs=2", "--set", "training.stopAtGrok=false", "--out", "results/done");
        assertEquals(0, r.exit(), r.err());
        Cli.Result r2 = Cli.run(ws, "run", Path.of("configs/quickstart.yaml").toAbsolutePath().toString(),
                "--set", "data.p=11", "--set", "model.width=16", "--set", "training.epochs=30",
                "--set", "checkpoint.everyEpochs=2", "--out", "results/partial");
        assertEquals(0, r2.exit(), r2.err());
        // make "partial" look killed after epoch 4: status running, a truncated newest checkpoint
        Path run = ws.resolve("results/partial");
        Files.writeString(run.resolve("run.json"), Files.readString(run.resolve("run.json")).replace("\"completed\"", "\"running\""));
        List<Path> cks = dev.grokscope.results.Checkpoint.list(run);
        newest = cks.get(cks.size() - 1);
        byte[] whole = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(whole, whole.length / 2));
        Files.writeString(ws.resolve("bomb.yaml"), billionLaughs());
        Files.writeString(ws.resolve("deep.yaml"), "data:\n" + "  ".repeat(1) + "x: " + "[".repeat(500) + "]".repeat(500) + "\n");
        Files.writeString(ws.resolve("tag.yaml"), "data: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://localhost/\"]]]]\n");
        Files.writeString(ws.resolve("malformed.yaml"), "data:\n  p: 97\n    trainFraction: [0.5\n");
        Files.writeString(ws.resolve("huge.yaml"), "training:\n  epochs: 1" + "0".repeat(60) + "\n");
        Files.writeString(ws.resolve("junk.npy"), "\u0093NUMPY this is not an array");
        Files.write(ws.resolve("trunc.npy"), java.util.Arrays.copyOf(Files.readAllBytes(
                ws.resolve("results/done/weights/final/layers.0.W.npy")), 300));
    }

    private static String billionLaughs() {
        StringBuilder y = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        String prev = "a";
        for (char c = 'b'; c <= 'i'; c++) {
            y.append(c).append(": &").append(c).append(" [").append(("*" + prev + ",").repeat(8)).append("*").append(prev).append("]\n");
            prev = String.valueOf(c);
        }
        return y.toString();
    }

    static Stream<Arguments> hostile() {
        String qs = Path.of("configs/quickstart.yaml").toAbsolutePath().toString();
        return Stream.of(
                Arguments.of("malformed YAML", List.of("run", "malformed.yaml"), "malformed.yaml:3: malformed YAML"),
                Arguments.of("billion laughs", List.of("run", "bomb.yaml"), "bomb.yaml"),
                Arguments.of("deep nesting", List.of("run", "deep.yaml"), "deep.yaml"),
                Arguments.of("Java object tags", List.of("run", "tag.yaml"), "tag.yaml:1: YAML tags are not allowed"),
                Arguments.of("huge number", List.of("run", "huge.yaml"), "huge.yaml:2: training.epochs"),
                Arguments.of("p = 0", List.of("run", qs, "--set", "data.p=0"), "--set data.p=0: data.p: must be a prime"),
                Arguments.of("p = 1", List.of("run", qs, "--set", "data.p=1"), "--set data.p=1: data.p: must be a prime"),
                Arguments.of("p negative", List.of("run", qs, "--set", "data.p=-7"), "--set data.p=-7: data.p: must be a prime"),
                Arguments.of("p not prime", List.of("run", qs, "--set", "data.p=57"), "--set data.p=57: data.p: must be a prime, got 57"),
                Arguments.of("empty split", List.of("run", qs, "--set", "data.p=3", "--set", "data.trainFraction=0.05"),
                        "--set data.trainFraction=0.05: data.trainFraction: must leave at least one pair in each split"),
                Arguments.of("name escapes root", List.of("run", qs, "--set", "output.name=../../escape"),
                        "--set output.name=../../escape: output.name: must be a plain directory name"),
                Arguments.of("existing completed run", List.of("run", qs, "--out", "results/done"),
                        "results/done: output directory exists and is not empty"),
                Arguments.of("resume a completed run", List.of("run", "--resume", "results/done"),
                        "results/done: run already completed"),
                Arguments.of("truncated checkpoint", List.of("run", "--resume", "results/partial"),
                        "results/partial/checkpoints/epoch-0000000"),
                Arguments.of("corrupt npy", List.of("analyze", "junk.npy"), "junk.npy"),
                Arguments.of("truncated npy", List.of("analyze", "trunc.npy"), "trunc.npy"),
                Arguments.of("missing config", List.of("run", "nope.yaml"), "nope.yaml: no such file"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void refusedWithOneLineAndNothingTouched(String what, List<String> args, String expected) throws Exception {
        Map<String, String> before = snapshot(ws);
        Cli.Result r = Cli.run(ws, args.toArray(String[]::new));
        assertEquals(2, r.exit(), what + ": " + r.err() + r.out());
        assertEquals(1, r.errLines().size(), what + ": one line: " + r.err());
        assertTrue(r.errLines().get(0).startsWith("grokscope: " + expected), what + ": " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertEquals(before, snapshot(ws), what + ": no file created or changed");
    }

    @Test
    void forceMovesTheOldRunAsideInsteadOfDeletingIt() throws Exception {
        Path copy = ws.resolve("results/forced");
        Cli.Result r0 = Cli.run(ws, "run", Path.of("configs/quickstart.yaml").toAbsolutePath().toString(),
                "--set", "data.p=11", "--set", "model.width=16", "--set", "training.epochs=3", "--out", "results/forced");
        assertEquals(0, r0.exit(), r0.err());
        String old = Files.readString(copy.resolve("run.json"));
        Cli.Result r = Cli.run(ws, "run", Path.of("configs/quickstart.yaml").toAbsolutePath().toString(),
                "--set", "data.p=11", "--set", "model.width=16", "--set", "training.epochs=3", "--force", "--out", "results/forced");
        assertEquals(0, r.exit(), r.err());
        try (Stream<Path> s = Files.list(ws.resolve("results"))) {
            Path aside = s.filter(p -> p.getFileName().toString().startsWith("forced.replaced-")).findFirst().orElseThrow();
            assertEquals(old, Files.readString(aside.resolve("run.json")), "the old run is kept, whole");
        }
    }

    /** Content hash of every file under {@code root}. */
    static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String key = root.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    m.put(key + "/", "dir");
                } else {
                    m.put(key, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return m;
    }
}
