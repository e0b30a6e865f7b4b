package dev.grokscope.sweep;

import dev.grokscope.backend.NativeMemory;

import java.io.File;
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
     * {@code java -Dgrokscope.home=HOME [-Dgrokscope.gcSeconds=S] -cp CP [jvmArgs] dev.grokscope.cli.Main args...}
     * ({@code grokscope.gcSeconds} passed on only when this process has it).
     */
    public static List<String> command(List<String> jvmArgs, List<String> args) {
        List<String> c = new ArrayList<>(List.of(java()));
        // Runs start in their sweep directory; provenance (git commit) must still come from the checkout
        // that this process was started in or from.
        String home = System.getProperty("grokscope.home", System.getProperty("user.dir"));
        c.add("-Dgrokscope.home=" + Path.of(home).toAbsolutePath().normalize());
        String gc = System.getProperty(NativeMemory.PROPERTY);
        if (gc != null) { // points collect as this process was told to
            c.add("-D" + NativeMemory.PROPERTY + "=" + gc);
        }
        c.addAll(List.of("-cp", classpath()));
        c.addAll(jvmArgs);
        c.add("dev.grokscope.cli.Main");
        c.addAll(args);
        return c;
    }
}
