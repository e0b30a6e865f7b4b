package dev.grokscope.sweep;

import dev.grokscope.BadInputException;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.results.AtomicFiles;
import dev.grokscope.results.RunDirectory;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of a sweep directory, in one place:
 * <pre>
 *   sweep.yaml          the sweep file with its base config inlined (re-runnable on its own)
 *   plan.csv            id, then one column per axis key (the point's value, the base's where it sets none); a row per point, in plan order
 *   configs/&lt;id&gt;.yaml   each point's resolved config (what {@code grokscope run} is given)
 *   points.txt          line i (0-based) = the point of SLURM array task i: id TAB config TAB run dir
 *   runs/&lt;id&gt;/         each point's run directory (see {@link RunDirectory})
 *   runs/&lt;id&gt;.log      the run's stdout and stderr, appended on every attempt
 *   runs/&lt;id&gt;.lock     the point's writer lock (owner pid, host, start; empty when free)
 *   runs/&lt;id&gt;.replaced-&lt;time&gt;/   an earlier attempt of a restarted point, moved aside (never deleted)
 *   .lock               the local sweep's writer lock
 *   summary.csv         one row per point, plan order (written last, atomically)
 *   by_&lt;key&gt;.csv        per-axis tables
 *   sbatch.sh, jobs.json, slurm/   SLURM executor only: the batch script, the submitted job ids, its logs
 * </pre>
 * The plan is written before anything runs and every file is written atomically, so a sweep killed at
 * any moment leaves a directory that the same command completes.
 */
public record SweepDirectory(Path root) {
    public static final String SWEEP = "sweep.yaml";
    public static final String PLAN = "plan.csv";
    public static final String CONFIGS = "configs";
    public static final String POINTS = "points.txt";
    public static final String RUNS = "runs";
    public static final String SUMMARY = "summary.csv";
    public static final String SBATCH = "sbatch.sh";
    public static final String JOBS = "jobs.json";
    public static final String SLURM_LOGS = "slurm";

    static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').build();

    public SweepDirectory {
        root = root.toAbsolutePath().normalize();
    }

    public Path file(String name) {
        return root.resolve(name);
    }

    public Path config(String id) {
        return root.resolve(CONFIGS).resolve(id + ".yaml");
    }

    public RunDirectory run(String id) {
        return new RunDirectory(root.resolve(RUNS).resolve(id));
    }

    public Path log(String id) {
        return root.resolve(RUNS).resolve(id + ".log");
    }

    /** The lock of the process that decides and runs a point (see {@link PointRunner}); empty when free. */
    public Path pointLock(String id) {
        return root.resolve(RUNS).resolve(id + ".lock");
    }

    /** Holds the pid of the process running a point, while it runs (see {@link PointRunner}). */
    Path pidFile(String id) {
        return root.resolve(RUNS).resolve(id + ".pid");
    }

    /**
     * Writes the plan: configs, sweep.yaml, points.txt and plan.csv. A point whose config is already
     * there must have the same config, or its finished run would not match the sweep.
     */
    public void writePlan(SweepPlan plan) throws IOException {
        if (Files.exists(root) && !Files.isDirectory(root)) {
            throw new BadInputException(root + ": exists and is not a directory");
        }
        if (Files.isDirectory(root) && !Files.exists(file(PLAN))) {
            try (var entries = Files.list(root)) {
                if (entries.findAny().isPresent()) {
                    throw new BadInputException(root + ": exists, is not empty and is not a sweep directory (no "
                            + PLAN + "); choose another --out");
                }
            }
        }
        for (SweepPlan.Planned p : plan.points()) {
            Path c = config(p.id());
            if (Files.isRegularFile(c) && !samePlannedConfig(c, p)) {
                throw new BadInputException(root + ": point " + p.id() + " was planned there with another config "
                        + "(the sweep or its base changed); choose another --out or delete " + c);
            }
        }
        Files.createDirectories(root.resolve(RUNS));
        for (SweepPlan.Planned p : plan.points()) {
            if (!Files.isRegularFile(config(p.id()))) {
                AtomicFiles.writeString(config(p.id()), p.configYaml());
            }
        }
        if (!isSameFile(plan.spec().file(), file(SWEEP))) {
            // a sweep continued from its own directory keeps the sweep.yaml written when it was planned
            AtomicFiles.writeString(file(SWEEP), plan.spec().selfContainedYaml());
        }
        StringBuilder points = new StringBuilder();
        for (SweepPlan.Planned p : plan.points()) {
            points.append(p.id()).append('\t').append(root.relativize(config(p.id()))).append('\t')
                    .append(root.relativize(run(p.id()).root())).append('\n');
        }
        AtomicFiles.writeString(file(POINTS), points.toString());
        List<List<String>> rows = new ArrayList<>();
        for (SweepPlan.Planned p : plan.points()) {
            List<String> row = new ArrayList<>(List.of(p.id()));
            plan.keys().forEach(k -> row.add(p.value(k)));
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("id"));
        header.addAll(plan.keys());
        writeCsv(file(PLAN), header, rows);
    }

    private static boolean isSameFile(Path a, Path b) throws IOException {
        return a != null && Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    }

    /**
     * Whether the config already planned at {@code file} is {@code p}'s: the same text, or text that
     * resolves to the same experiment. A new version of grokscope that writes a new default into the
     * resolved configs (or orders them differently) then still continues a sweep it planned before; a
     * saved config that no longer parses, or parses to another experiment, is another config.
     */
    static boolean samePlannedConfig(Path file, SweepPlan.Planned p) throws IOException {
        String saved = Files.readString(file, StandardCharsets.UTF_8);
        if (saved.equals(p.configYaml())) {
            return true;
        }
        try {
            return ConfigLoader.parse(saved, file.toString(), List.of()).equals(p.experiment());
        } catch (BadInputException e) {
            return false;
        }
    }

    /** plan.csv as read back: the axis keys and, per point id in plan order, key -> value. */
    public record PlanTable(List<String> keys, LinkedHashMap<String, Map<String, String>> rows) {
        public List<String> ids() {
            return List.copyOf(rows.keySet());
        }
    }

    /** Reads plan.csv; a directory without one is not a sweep directory. */
    public PlanTable readPlan() {
        Path plan = file(PLAN);
        if (!Files.isRegularFile(plan)) {
            throw new BadInputException(root + ": not a sweep directory (no " + PLAN + ")");
        }
        try (CSVParser p = CSVParser.parse(new StringReader(Files.readString(plan, StandardCharsets.UTF_8)),
                CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build())) {
            List<String> header = p.getHeaderNames();
            if (header.isEmpty() || !header.get(0).equals("id")) {
                throw new BadInputException(plan + ": first column must be id");
            }
            LinkedHashMap<String, Map<String, String>> rows = new LinkedHashMap<>();
            for (CSVRecord r : p) {
                rows.put(r.get(0), r.toMap());
            }
            return new PlanTable(List.copyOf(header.subList(1, header.size())), rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeCsv(Path file, List<String> header, List<List<String>> rows) throws IOException {
        StringWriter w = new StringWriter();
        try (CSVPrinter csv = new CSVPrinter(w, CSV)) {
            csv.printRecord(header);
            for (List<String> r : rows) {
                csv.printRecord(r);
            }
        }
        AtomicFiles.writeString(file, w.toString());
    }
}
