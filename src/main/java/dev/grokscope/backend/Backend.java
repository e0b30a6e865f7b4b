package dev.grokscope.backend;

import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The one place that starts ND4J and reports which backend, BLAS and threads are in use.
 *
 * <p>ND4J sizes its thread pools from /proc/cpuinfo, not from a container's or SLURM's quota, so the
 * launcher sets {@code OMP_NUM_THREADS}: the BLAS (matrix products) gets that many threads. ND4J's own
 * element-wise and reduction ops get {@value #DEFAULT_OP_THREADS} (the system property
 * {@value #OP_THREADS} sets another count): on the arrays of the models grokscope trains, waking a
 * second thread for each of a step's hundreds of small ops costs more than it saves. Measured at
 * OMP_NUM_THREADS=2 on a 2-core machine (grokscope bench, 30 steps): the Nanda transformer 125 ms/step
 * with one op thread against 153 with two, the Power et al. transformer 90 against 103.
 *
 * <p>Threads are used another way: grokscope's networks split each batch over {@link #computeThreads()}
 * shards, one thread each ({@code model.Shards}), and the BLAS runs on one thread ({@link #start} sets
 * it): a multi-threaded OpenBLAS queues its callers for one thread pool and spins its idle threads,
 * and with every BLAS call on one thread the spectra analysis can run beside training on the CPU it
 * leaves unused ({@code snapshot.SpectraPipeline}) without changing what training computes.
 */
public final class Backend {
    /** System property: threads for ND4J's own ops (the BLAS takes OMP_NUM_THREADS). */
    public static final String OP_THREADS = "grokscope.opThreads";
    public static final int DEFAULT_OP_THREADS = 1;

    private Backend() {
    }

    /** The op thread count a value of {@value #OP_THREADS} asks for (absent: the default). */
    static int opThreads(String property) {
        if (property == null) {
            return DEFAULT_OP_THREADS;
        }
        if (!property.trim().matches("\\d+") || Integer.parseInt(property.trim()) < 1) {
            throw new dev.grokscope.BadInputException("system property " + OP_THREADS
                    + ": must be a whole number of threads >= 1, got '" + property + "'");
        }
        return Integer.parseInt(property.trim());
    }

    /**
     * The cores a run's training may keep busy on the CPU backend: {@code OMP_NUM_THREADS} where it is a
     * whole number >= 1 (the launcher, the sweep's local pool and every SLURM task set it), else every
     * core. On a GPU backend 1: the device does the work, and one thread feeds it.
     */
    public static int computeThreads() {
        if (!"CpuBackend".equals(Nd4j.getBackend().getClass().getSimpleName())) {
            return 1;
        }
        return computeThreads(System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors());
    }

    static int computeThreads(String omp, int cores) {
        int threads = ompThreads(omp);
        return threads > 0 ? threads : Math.max(1, cores);
    }

    /** The count an {@code OMP_NUM_THREADS} value sets, or 0 where it sets none (absent, not a count >= 1). */
    private static int ompThreads(String omp) {
        return omp != null && omp.trim().matches("\\d{1,4}") ? Integer.parseInt(omp.trim()) : 0;
    }

    /** What is running the numbers. */
    public record Info(String backend, String blasVendor, int threads, int blasThreads, int computeThreads, int cores,
                       String device, boolean gpuBackendOnClasspath, String nd4jVersion) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", backend);
            m.put("device", device);
            m.put("blas_vendor", blasVendor);
            m.put("threads", threads);
            m.put("blas_threads", blasThreads);
            m.put("compute_threads", computeThreads); // the shards a batch is split over, one thread each
            m.put("cores", cores);
            m.put("gpu_backend_on_classpath", gpuBackendOnClasspath);
            m.put("nd4j_version", nd4jVersion);
            return m;
        }
    }

    /** Starts ND4J (if not yet) with the configured threads and returns what it reports. */
    public static Info start() {
        int omp = ompThreads(System.getenv("OMP_NUM_THREADS"));
        int ops = opThreads(System.getProperty(OP_THREADS));
        if (omp > 0) {
            ops = Math.min(ops, omp);
        }
        Properties p = Nd4j.getExecutioner().getEnvironmentInformation(); // loads the backend and its BLAS first
        Nd4j.getEnvironment().setMaxThreads(ops);
        Nd4j.getEnvironment().setMaxMasterThreads(ops);
        boolean cpu = "CpuBackend".equals(Nd4j.getBackend().getClass().getSimpleName());
        if (cpu) {
            BlasThreads.set(1);
        }
        String backend = String.valueOf(p.getOrDefault("backend", "unknown"));
        String device = backend.equalsIgnoreCase("CPU") ? "cpu" : deviceName(p);
        return new Info(backend, String.valueOf(p.getOrDefault("blas.vendor", "unknown")),
                Nd4j.getEnvironment().maxMasterThreads(), cpu ? BlasThreads.current() : intOf(p.get("blas.threads")),
                computeThreads(), intOf(p.get("cores")),
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
