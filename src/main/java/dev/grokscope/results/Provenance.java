package dev.grokscope.results;

import dev.grokscope.backend.Backend;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Where, with what and from which code a run was made: the provenance part of run.json. */
public final class Provenance {
    private Provenance() {
    }

    public static Map<String, Object> collect(Backend.Info backend, List<String> command) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("grokscope_version", version());
        BuildCommit build = buildCommit();
        m.put("git_commit", build.commit());
        m.put("git_dirty", build.dirty());
        m.put("command", command);
        m.put("host", host());
        m.put("user", System.getProperty("user.name"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")");
        m.put("dl4j_version", "1.0.0-M2.1");
        m.put("backend", backend.asMap());
        m.put("omp_num_threads", System.getenv("OMP_NUM_THREADS"));
        m.put("jvm_max_heap_mb", Runtime.getRuntime().maxMemory() / (1 << 20));
        Map<String, String> slurm = new LinkedHashMap<>();
        for (String k : List.of("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_JOB_PARTITION",
                "SLURM_JOB_NODELIST", "CUDA_VISIBLE_DEVICES")) {
            String v = System.getenv(k);
            if (v != null) {
                slurm.put(k.toLowerCase(), v);
            }
        }
        if (!slurm.isEmpty()) {
            m.put("scheduler", slurm);
        }
        return m;
    }

    public static String version() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * The commit the running code was built from and whether its tree had uncommitted changes then: the
     * {@code git.properties} that the build writes into the jar (git-commit-id-maven-plugin). Not the
     * checkout the jar is started from, which may have moved on since the build. Both null for code
     * built outside a git checkout.
     */
    static BuildCommit buildCommit() {
        Properties props = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream(GIT_PROPERTIES)) {
            if (in == null) {
                return new BuildCommit(null, null);
            }
            props.load(in);
        } catch (IOException e) {
            return new BuildCommit(null, null);
        }
        String commit = props.getProperty("git.commit.id");
        String dirty = props.getProperty("git.dirty");
        return new BuildCommit(commit == null || commit.isBlank() ? null : commit,
                dirty == null || dirty.isBlank() ? null : Boolean.valueOf(dirty));
    }

    private static final String GIT_PROPERTIES = "/dev/grokscope/git.properties";

    record BuildCommit(String commit, Boolean dirty) {
    }

    public static String now() {
        return Instant.now().toString();
    }
}
