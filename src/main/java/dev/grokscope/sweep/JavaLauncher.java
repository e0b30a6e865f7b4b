package dev.grokscope.sweep;

import dev.grokscope.backend.Backend;
import dev.grokscope.backend.NativeMemory;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The command line that starts grokscope in a new JVM with this JVM's java and classpath, made absolute
 * so that it works from any working directory (SLURM tasks run on this machine or one sharing its file
 * system). Under {@code java -jar grokscope.jar} the classpath is the jar, whose manifest names lib/.
 */
public final class JavaLauncher {
    /** System property: the pid of the process that started this JVM, which it should outlive by no more than a second. */
    public static final String PARENT_PID = "grokscope.parentPid";

    /**
     * JVM options every run gets (the launcher {@code ./grokscope} passes the same to {@code run} and
     * {@code bench}): the Java heap's first 128 MB committed and touched at start, so resident memory does
     * not creep up over a long run as the collector touches more of its regions (Nanda run: +20 MB over
     * the first 4,000 epochs without them). Options given to this JVM come after them and win.
     */
    public static final List<String> RUN_OPTIONS = List.of("-Xms128m", "-XX:+AlwaysPreTouch");

    private JavaLauncher() {
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static String classpath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(s -> !s.isEmpty())
                .map(s -> Path.of(s).toAbsolutePath().normalize().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * {@code java RUN_OPTIONS [inherited] [-Dgrokscope.gcSeconds=S] -cp CP [jvmArgs]
     * dev.grokscope.cli.Main args...}: the heap, stack and {@code -XX:} options this JVM was started with
     * ({@code GROKSCOPE_JAVA_OPTS}) are passed on, as is {@code grokscope.gcSeconds} when this process has it.
     */
    public static List<String> command(List<String> jvmArgs, List<String> args) {
        List<String> c = new ArrayList<>(List.of(java()));
        c.addAll(RUN_OPTIONS);
        c.addAll(inheritedOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        for (String property : List.of(NativeMemory.PROPERTY, Backend.OP_THREADS)) {
            String value = System.getProperty(property);
            if (value != null) { // points collect and thread as this process was told to
                c.add("-D" + property + "=" + value);
            }
        }
        c.addAll(List.of("-cp", classpath()));
        c.addAll(jvmArgs);
        c.add("dev.grokscope.cli.Main");
        c.addAll(args);
        return c;
    }

    /** Of a JVM's options, those a run started from it should share: heap and stack sizes and {@code -XX:} flags. */
    static List<String> inheritedOptions(List<String> jvmOptions) {
        return jvmOptions.stream()
                .filter(o -> o.startsWith("-Xm") || o.startsWith("-Xss") || o.startsWith("-XX:"))
                .toList();
    }
}
