package dev.grokscope.backend;

import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The one place that starts ND4J and reports which backend, BLAS and threads are in use.
 *
 * <p>ND4J sizes its thread pools from /proc/cpuinfo, not from a container's or SLURM's quota, so the
 * launcher sets {@code OMP_NUM_THREADS} and this class applies the same count to ND4J's own pool.
 */
public final class Backend {
    private Backend() {
    }

    /** What is running the numbers. */
    public record Info(String backend, String blasVendor, int threads, int blasThreads, int cores,
                       String device, boolean gpuBackendOnClasspath, String nd4jVersion) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", backend);
            m.put("device", device);
            m.put("blas_vendor", blasVendor);
            m.put("threads", threads);
            m.put("blas_threads", blasThreads);
            m.put("cores", cores);
            m.put("gpu_backend_on_classpath", gpuBackendOnClasspath);
            m.put("nd4j_version", nd4jVersion);
            return m;
        }
    }

    /** Starts ND4J (if not yet) with the configured threads and returns what it reports. */
    public static Info start() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp != null && omp.matches("\\d+") && Integer.parseInt(omp) > 0) {
            Nd4j.getEnvironment().setMaxThreads(Integer.parseInt(omp));
        }
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation();
        String backend = String.valueOf(p.getOrDefault("backend", "unknown"));
        String device = backend.equalsIgnoreCase("CPU") ? "cpu" : deviceName(p);
        return new Info(backend, String.valueOf(p.getOrDefault("blas.vendor", "unknown")),
                Nd4j.getEnvironment().maxThreads(), intOf(p.get("blas.threads")), intOf(p.get("cores")),
                device, gpuBackendOnClasspath(), Nd4j.class.getPackage().getImplementationVersion() == null
                        ? "1.0.0-M2.1" : Nd4j.class.getPackage().getImplementationVersion());
    }

    private static String deviceName(Properties p) {
        Object devices = p.get("cuda.devicesInformation");
        return devices == null ? "gpu" : devices.toString();
    }

    private static int intOf(Object o) {
        try {
            return o == null ? -1 : Integer.parseInt(o.toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether nd4j-cuda is on the classpath (checked by class name, without loading CUDA). */
    public static boolean gpuBackendOnClasspath() {
        try {
            Class.forName("org.nd4j.linalg.jcublas.JCublasBackend", false, Backend.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
