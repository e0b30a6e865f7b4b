package dev.grokscope.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI ({@code target/grokscope.jar}) as a user would: a separate process. */
final class Cli {
    static final Path JAR = Path.of("target", "grokscope.jar");

    record Result(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private Cli() {
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return run(Path.of("."), args);
    }

    static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return run(workDir, java.util.Map.of(), args);
    }

    /** With extra environment variables (e.g. {@code JAVA_TOOL_OPTIONS} for a system property). */
    static Result run(Path workDir, java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " missing: integration tests run after 'mvn package'");
        }
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().put("OMP_NUM_THREADS", "2");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("cli", ".out");
        Path err = Files.createTempFile("cli", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + cmd);
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** A Python 3 with numpy and pandas (Debian's python3-numpy/python3-pandas), or null. */
    static String python() throws InterruptedException {
        for (String py : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import numpy, pandas").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return py;
                }
            } catch (IOException e) {
                // try the next
            }
        }
        return null;
    }

    /** Runs a Python snippet; returns its stdout, failing on a non-zero exit. */
    static String python(String py, String code, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(py, "-c", code));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("python failed:\n" + out);
        }
        return out;
    }
}
