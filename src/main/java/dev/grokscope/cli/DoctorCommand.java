package dev.grokscope.cli;

import dev.grokscope.backend.Backend;
import picocli.CommandLine.Command;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code grokscope doctor}: what would run the numbers, and whether it looks healthy. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Report the ND4J backend, BLAS, threads, Java, memory and GPU availability.")
final class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Backend.Info b = Backend.start();
        Runtime rt = Runtime.getRuntime();
        print("grokscope", dev.grokscope.results.Provenance.version());
        print("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        print("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        for (Map.Entry<String, Object> e : b.asMap().entrySet()) {
            print(e.getKey(), e.getValue());
        }
        print("OMP_NUM_THREADS", System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset: ND4J uses every core)"));
        print("cpus available to the JVM", rt.availableProcessors());
        print("jvm max heap", String.format(Locale.ROOT, "%.1f GB", rt.maxMemory() / 1e9));
        print("off-heap limit (javacpp)", System.getProperty("org.bytedeco.javacpp.maxbytes", "default (= max heap)"));
        print("native heap trim", dev.grokscope.backend.NativeHeapTrim.available()
                ? "yes (System.trim_native_heap)" : "no (JDK before 17.0.9 or not glibc: freed native memory stays with malloc)");
        print("gpu backend", b.gpuBackendOnClasspath() ? "nd4j-cuda on the classpath" : "none (CPU build; see README: -Pcuda)");
        if (b.threads() > rt.availableProcessors()) {
            System.out.println("warning: ND4J uses more threads than the JVM may run on; set OMP_NUM_THREADS");
        }
        return 0;
    }

    private static void print(String key, Object value) {
        System.out.printf(Locale.ROOT, "%-28s %s%n", key, value);
    }
}
