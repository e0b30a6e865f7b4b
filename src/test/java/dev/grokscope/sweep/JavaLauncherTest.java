package dev.grokscope.sweep;

import dev.grokscope.backend.NativeMemory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JavaLauncherTest {
    @Test
    void pointsInheritTheCollectionIntervalOnlyWhenItWasGiven() {
        String old = System.getProperty(NativeMemory.PROPERTY);
        try {
            System.clearProperty(NativeMemory.PROPERTY);
            List<String> plain = JavaLauncher.command(List.of(), List.of("run", "x.yaml"));
            assertFalse(plain.stream().anyMatch(a -> a.startsWith("-D" + NativeMemory.PROPERTY)), plain.toString());
            System.setProperty(NativeMemory.PROPERTY, "5");
            List<String> given = JavaLauncher.command(List.of(), List.of("run", "x.yaml"));
            assertTrue(given.contains("-Dgrokscope.gcSeconds=5"), given.toString());
            assertEquals(List.of("dev.grokscope.cli.Main", "run", "x.yaml"), given.subList(given.size() - 3, given.size()));
        } finally {
            if (old == null) {
                System.clearProperty(NativeMemory.PROPERTY);
            } else {
                System.setProperty(NativeMemory.PROPERTY, old);
            }
        }
    }

    @Test
    void runsGetAPreTouchedHeapAndTheSizesThisJvmWasGiven() {
        List<String> c = JavaLauncher.command(List.of(), List.of("run", "x.yaml"));
        assertEquals(JavaLauncher.RUN_OPTIONS, c.subList(1, 1 + JavaLauncher.RUN_OPTIONS.size()), c.toString());
        assertEquals(List.of("-Xmx4g", "-Xss2m", "-XX:+UseSerialGC", "-Xms1g"), JavaLauncher.inheritedOptions(List.of(
                "-Xmx4g", "-Dgrokscope.home=/x", "-Xss2m", "-agentlib:jdwp=transport=dt_socket", "-XX:+UseSerialGC",
                "-Xlog:gc", "-Xms1g", "-javaagent:a.jar")));
    }

    @Test
    void theLauncherScriptGivesRunsTheSameOptions() throws Exception {
        String script = java.nio.file.Files.readString(java.nio.file.Path.of("grokscope"));
        assertTrue(script.contains("run_opts=(" + String.join(" ", JavaLauncher.RUN_OPTIONS) + ")"), script);
    }
}
