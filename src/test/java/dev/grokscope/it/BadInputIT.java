package dev.grokscope.it;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input: one line naming the field or file and the rule, exit code 2, no stack trace, nothing written. */
class BadInputIT {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown key           | data:\\n  p: 97\\n  modulus: 5\\n    | bad.yaml:3: data.modulus: unknown key
            wrong type            | training:\\n  epochs: ten\\n       | bad.yaml:2: training.epochs: must be an integer, got 'ten'
            p not prime           | data:\\n  p: 91\\n                 | bad.yaml:2: data.p: must be a prime, got 91
            train fraction > 1    | data:\\n  trainFraction: 1.5\\n    | bad.yaml:2: data.trainFraction: must be in (0, 1), got 1.5
            train fraction 0      | data:\\n  trainFraction: 0.0\\n    | bad.yaml:2: data.trainFraction: must be in (0, 1), got 0.0
            negative weight decay | optimizer:\\n  weightDecay: -0.1\\n | bad.yaml:2: optimizer.weightDecay: must be >= 0, got -0.1
            malformed yaml        | data: [p: 97\\n                     | bad.yaml:2: malformed YAML
            """)
    void badConfigIsOneLineExitTwoNothingWritten(String what, String yaml, String expected) throws Exception {
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, yaml.replace("\\n", "\n"));
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run(tmp, "run", "bad.yaml", "--out", out.toString());
        assertEquals(2, r.exit(), what + ": " + r.err());
        assertEquals(1, r.errLines().size(), "one line: " + r.err());
        assertTrue(r.errLines().get(0).startsWith("grokscope: " + expected), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertFalse(Files.exists(out), "nothing written");
        assertFalse(Files.exists(tmp.resolve("results")), "nothing written");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing config  | no-such.yaml     |                              | no-such.yaml: no such file
            bad --set       | configs/quickstart.yaml | optimizer.lr=-1         | --set optimizer.lr=-1: optimizer.lr: must be > 0, got -1.0
            unknown --set   | configs/quickstart.yaml | training.epocs=3        | --set training.epocs=3: training.epocs: unknown key
            """)
    void badFilesAndOverrides(String what, String config, String set, String expected) throws Exception {
        Path out = tmp.resolve("out");
        Cli.Result r = set == null ? Cli.run("run", config, "--out", out.toString())
                : Cli.run("run", config, "--set", set, "--out", out.toString());
        assertEquals(2, r.exit(), what + ": " + r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("grokscope: " + expected), r.err());
        assertFalse(Files.exists(out));
    }

    @org.junit.jupiter.api.Test
    void existingRunIsNeverOverwritten() throws Exception {
        Path out = tmp.resolve("done");
        Files.createDirectories(out);
        Files.writeString(out.resolve("metrics.csv"), "epoch\n0\n");
        Cli.Result r = Cli.run("run", "configs/quickstart.yaml", "--out", out.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("exists and is not empty"), r.err());
        assertEquals("epoch\n0\n", Files.readString(out.resolve("metrics.csv")));
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(1, s.count());
        }
    }

    @org.junit.jupiter.api.Test
    void badGcIntervalPropertyIsBadInput() throws Exception {
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run(Path.of("."), java.util.Map.of("JAVA_TOOL_OPTIONS", "-Dgrokscope.gcSeconds=soon"),
                "run", "configs/quickstart.yaml", "--out", out.toString());
        assertEquals(2, r.exit(), r.err());
        java.util.List<String> lines = r.errLines().stream().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).toList();
        assertEquals(java.util.List.of("grokscope: system property grokscope.gcSeconds: must be a number of seconds, got 'soon'"), lines);
        assertFalse(Files.exists(out), "nothing written");
    }

    @ParameterizedTest(name = "--out {0}")
    @CsvSource(delimiter = '|', textBlock = """
            /proc/x            | /proc/x: cannot create the output directory
            /proc/self/status/x | /proc/self/status/x: cannot create the output directory
            """)
    void anOutputDirectoryThatCannotBeCreatedIsBadInput(String out, String expected) throws Exception {
        Cli.Result r = Cli.run("run", "configs/quickstart.yaml", "--out", out);
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.errLines().size(), "one line: " + r.err());
        assertTrue(r.errLines().get(0).startsWith("grokscope: " + expected), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertFalse(Files.exists(Path.of(out)));
    }

    @org.junit.jupiter.api.Test
    void aNativeBackendThatCannotLoadIsARuntimeFailureNotBadInput() throws Exception {
        // Asking JavaCPP for another platform's natives makes ND4J's backend fail to link, as a broken install would.
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run(Path.of("."), java.util.Map.of("JAVA_TOOL_OPTIONS", "-Dorg.bytedeco.javacpp.platform=linux-arm64"),
                "run", "configs/quickstart.yaml", "--out", out.toString());
        assertEquals(1, r.exit(), r.err());
        java.util.List<String> lines = r.errLines().stream().filter(l -> l.startsWith("grokscope: the native")).toList();
        assertEquals(1, lines.size(), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertFalse(Files.exists(out), "the backend starts before anything is written");
    }

    @org.junit.jupiter.api.Test
    void resumeRefusesAnUnreadableRunRecordAndTouchesNothing() throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("config.yaml"), Files.readString(Path.of("configs/quickstart.yaml")));
        Files.writeString(run.resolve("run.json"), "{\"name\": \"run\", \"status\": \"compl");
        Cli.Result r = Cli.run("run", "--resume", run.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).contains("run.json: unreadable run record"), r.err());
        assertEquals("{\"name\": \"run\", \"status\": \"compl", Files.readString(run.resolve("run.json")));
        try (Stream<Path> s = Files.list(run)) {
            assertEquals(java.util.Set.of("config.yaml", "run.json"),
                    s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }

    @org.junit.jupiter.api.Test
    void aRunBeingWrittenByALiveProcessIsRefused() throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("config.yaml"), Files.readString(Path.of("configs/quickstart.yaml")));
        Files.writeString(run.resolve("run.json"), "{\"status\": \"running\"}");
        try (dev.grokscope.results.WriterLock held = new dev.grokscope.results.RunDirectory(run).lock()) {
            Cli.Result r = Cli.run("run", "--resume", run.toString());
            assertEquals(2, r.exit(), r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.errLines().get(0).matches("grokscope: .*\\.lock: run .* is being written by pid "
                    + ProcessHandle.current().pid() + " on .*"), r.err());
            Cli.Result f = Cli.run("run", "configs/quickstart.yaml", "--out", run.toString(), "--force");
            assertEquals(2, f.exit(), "--force does not move a live run aside: " + f.err());
            assertTrue(Files.isDirectory(run));
        }
        assertEquals("{\"status\": \"running\"}", Files.readString(run.resolve("run.json")));
    }
}
