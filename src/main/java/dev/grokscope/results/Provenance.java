package dev.grokscope.results;

import dev.grokscope.backend.Backend;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Where, with what and from which code a run was made: the provenance part of run.json. */
public final class Provenance {
    private Provenance() {
    }

    public static Map<String, Object> collect(Backend.Info backend, List<String> command) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("grokscope_version", version());
        m.put("git_commit", git("rev-parse", "HEAD"));
        String dirty = git("status", "--porcelain", "--untracked-files=no");
        m.put("git_dirty", dirty == null ? null : !dirty.isBlank());
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

    /** The source checkout the code came from: grokscope.home (set by the launcher) or the working directory. */
    private static Path home() {
        String h = System.getProperty("grokscope.home");
        return Path.of(h != null ? h : ".").toAbsolutePath().normalize();
    }

    private static String git(String... args) {
        Path home = home();
        if (!Files.exists(home.resolve(".git"))) {
            return null;
        }
        try {
            String[] cmd = new String[args.length + 3];
            cmd[0] = "git";
            cmd[1] = "-C";
            cmd[2] = home.toString();
            System.arraycopy(args, 0, cmd, 3, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    public static String now() {
        return Instant.now().toString();
    }
}
