package dev.grokscope.sweep;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grokscope.BadInputException;
import dev.grokscope.config.ConfigLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep file, read strictly (unknown keys, duplicate keys and wrong types are one-line errors naming
 * {@code file:line}):
 * <pre>
 *   name: mlp-wd                 # optional; default: the file name without .yaml
 *   base: ../quickstart.yaml     # a config path relative to this file, or an inline config mapping
 *   set:                         # optional overrides for every point (not part of ids or plan.csv)
 *     training.stopAtGrok: true
 *   grid:                        # dotted config keys -> values; the points are the cartesian product
 *     optimizer.weightDecay: [0, 0.1, 1]
 *     seed: [0, 1, 2]
 *   runs:                        # optional extra points, each an explicit map of overrides
 *     - {optimizer.lr: 1000}
 *   local: {jobs: 2, threadsPerRun: 1}
 *   slurm: {partition: gpu, time: "02:00:00", gpusPerTask: 1, cpusPerTask: 4, mem: 8G,
 *           maxRunning: 10, extra: ["#SBATCH --qos=normal"]}
 * </pre>
 *
 * @param name       the sweep's name (default output directory {@code results/sweeps/<name>})
 * @param file       the sweep file
 * @param baseText   the base config as YAML text (the file's content, or the inline mapping written out)
 * @param baseSource what {@code baseText} came from, for messages (a path, or {@code file (inline base)})
 * @param basePath   the base config file, or null when inline
 * @param set        overrides applied to every point, before its own values
 * @param grid       axes in file order: dotted key -> values (YAML nodes)
 * @param runs       explicit points: dotted key -> value
 * @param local      local executor settings
 * @param slurm      SLURM settings
 * @param tree       the sweep file as parsed
 * @param lines      dotted path in the sweep file -> line number, for messages
 */
public record SweepSpec(String name, Path file, String baseText, String baseSource, Path basePath,
                        LinkedHashMap<String, JsonNode> set, LinkedHashMap<String, List<JsonNode>> grid, List<LinkedHashMap<String, JsonNode>> runs,
                        LocalSpec local, SlurmSpec slurm, ObjectNode tree, Map<String, Integer> lines) {

    private static final Set<String> KEYS = Set.of("name", "base", "set", "grid", "runs", "local", "slurm");
    static final String DOTTED_KEY = "[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)*";

    /** Local executor settings; zeros mean "choose from the cores". */
    public record LocalSpec(int jobs, int threadsPerRun) {
        static final LocalSpec DEFAULT = new LocalSpec(0, 1);
    }

    /**
     * SLURM settings for the generated {@code sbatch.sh}; null strings and zero counts are left out.
     *
     * @param maxRunning the array's {@code %N} limit on tasks running at once; 0 = no limit
     * @param extra      raw lines added to the header, each {@code #SBATCH ...}
     */
    public record SlurmSpec(String partition, String time, int gpusPerTask, String gres, int cpusPerTask, String mem,
                            int maxRunning, List<String> extra) {
        static final SlurmSpec DEFAULT = new SlurmSpec(null, null, 0, null, 0, null, 0, List.of());
    }

    /** Reads and checks a sweep file (the configs of its points are checked by {@link SweepPlan}). */
    public static SweepSpec load(Path file) {
        String text = ConfigLoader.read(file);
        String source = file.toString();
        JsonNode root = ConfigLoader.tree(text, source);
        Map<String, Integer> lines = lines(text);
        Where at = new Where(source, lines);
        if (root == null || !root.isObject()) {
            throw new BadInputException(source + ": a sweep file is a mapping with base: and grid: (or runs:)");
        }
        ObjectNode tree = (ObjectNode) root;
        tree.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) {
                throw at.bad(k, "unknown key; known keys: [base, grid, local, name, runs, set, slurm]");
            }
        });

        String stem = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String name = tree.has("name") ? text(tree.get("name"), "name", at) : stem;
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,79}")) {
            throw at.bad("name", "must be letters, digits, '.', '_' or '-' (a directory name), got '" + name + "'");
        }

        JsonNode base = tree.get("base");
        String baseText;
        String baseSource;
        Path basePath = null;
        if (base == null || base.isNull()) {
            throw at.bad("", "base: is required (a config path relative to the sweep file, or an inline mapping)");
        } else if (base.isTextual()) {
            Path dir = file.toAbsolutePath().getParent();
            basePath = dir.resolve(base.asText()).normalize();
            try {
                baseText = ConfigLoader.read(basePath);
            } catch (BadInputException e) {
                throw at.bad("base", e.getMessage());
            }
            baseSource = Path.of(source).resolveSibling(base.asText()).normalize().toString();
        } else if (base.isObject()) {
            baseText = yaml(base);
            baseSource = source + " (inline base)";
        } else {
            throw at.bad("base", "must be a config path or a mapping, got " + kind(base));
        }

        LinkedHashMap<String, JsonNode> set = new LinkedHashMap<>();
        JsonNode st = tree.get("set");
        if (st != null && !st.isNull()) {
            if (!st.isObject()) {
                throw at.bad("set", "must map dotted config keys to values, got " + kind(st));
            }
            st.fields().forEachRemaining(e -> {
                if (!e.getKey().matches(DOTTED_KEY)) {
                    throw at.bad("set." + e.getKey(), "'" + e.getKey() + "' is not a dotted config key");
                }
                set.put(e.getKey(), e.getValue());
            });
        }

        LinkedHashMap<String, List<JsonNode>> grid = new LinkedHashMap<>();
        JsonNode g = tree.get("grid");
        if (g != null && !g.isNull()) {
            if (!g.isObject()) {
                throw at.bad("grid", "must map dotted config keys to lists of values, got " + kind(g));
            }
            Iterator<Map.Entry<String, JsonNode>> it = g.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                String path = "grid." + key;
                if (!key.matches(DOTTED_KEY)) {
                    throw at.bad(path, "'" + key + "' is not a dotted config key like optimizer.weightDecay");
                }
                JsonNode values = e.getValue();
                if (!values.isArray() || values.isEmpty()) {
                    throw at.bad(path, "must be a non-empty list of values, e.g. [0, 0.1, 1], got " + kind(values));
                }
                List<JsonNode> list = new ArrayList<>();
                for (JsonNode v : values) {
                    if (list.contains(v)) {
                        throw at.bad(path, "value " + Point.show(v) + " appears twice");
                    }
                    list.add(v);
                }
                grid.put(key, list);
            }
        }

        List<LinkedHashMap<String, JsonNode>> runs = new ArrayList<>();
        JsonNode r = tree.get("runs");
        if (r != null && !r.isNull()) {
            if (!r.isArray()) {
                throw at.bad("runs", "must be a list of override maps, e.g. - {optimizer.lr: 0.01}, got " + kind(r));
            }
            for (int i = 0; i < r.size(); i++) {
                JsonNode run = r.get(i);
                String path = "runs";
                if (!run.isObject() || run.isEmpty()) {
                    throw at.bad(path, "runs[" + i + "]: must be a non-empty map of dotted keys to values, got "
                            + kind(run));
                }
                LinkedHashMap<String, JsonNode> point = new LinkedHashMap<>();
                run.fields().forEachRemaining(e -> {
                    if (!e.getKey().matches(DOTTED_KEY)) {
                        throw at.bad(path, "runs: '" + e.getKey() + "' is not a dotted config key");
                    }
                    point.put(e.getKey(), e.getValue());
                });
                runs.add(point);
            }
        }
        if (grid.isEmpty() && runs.isEmpty()) {
            throw at.bad("", "nothing to run: give grid: axes or a runs: list");
        }

        return new SweepSpec(name, file, baseText, baseSource, basePath, set, grid, runs, local(tree.get("local"), at),
                slurm(tree.get("slurm"), at), tree, lines);
    }

    /** The line of a dotted path in the sweep file, or 0. */
    public int line(String path) {
        return lines.getOrDefault(path, 0);
    }

    /** {@code file:line} of a dotted path, or the file. */
    public String at(String path) {
        return new Where(file.toString(), lines).of(path);
    }

    /** The sweep file made self-contained: {@code base:} replaced by the base config's own mapping. */
    public String selfContainedYaml() {
        ObjectNode copy = tree.deepCopy();
        JsonNode base = ConfigLoader.tree(baseText, baseSource);
        copy.set("base", base == null || base.isNull() ? JsonNodeFactory.instance.objectNode() : base);
        copy.put("name", name);
        String header = "# Written by grokscope sweep from " + file.getFileName()
                + (basePath != null ? " (base: " + basePath.getFileName() + ", inlined below)" : "") + ".\n";
        return header + yaml(copy);
    }

    private static LocalSpec local(JsonNode n, Where at) {
        if (n == null || n.isNull()) {
            return LocalSpec.DEFAULT;
        }
        Map<String, JsonNode> f = fields(n, "local", Set.of("jobs", "threadsPerRun"), at);
        return new LocalSpec(count(f.get("jobs"), "local.jobs", 0, at), count(f.get("threadsPerRun"),
                "local.threadsPerRun", 1, at));
    }

    private static SlurmSpec slurm(JsonNode n, Where at) {
        if (n == null || n.isNull()) {
            return SlurmSpec.DEFAULT;
        }
        Map<String, JsonNode> f = fields(n, "slurm", Set.of("partition", "time", "gpusPerTask", "gres", "cpusPerTask",
                "mem", "maxRunning", "extra"), at);
        if (f.containsKey("gpusPerTask") && f.containsKey("gres")) {
            throw at.bad("slurm.gres", "give gpusPerTask or gres, not both");
        }
        List<String> extra = new ArrayList<>();
        JsonNode x = f.get("extra");
        if (x != null && !x.isNull()) {
            if (!x.isArray()) {
                throw at.bad("slurm.extra", "must be a list of '#SBATCH ...' lines, got " + kind(x));
            }
            for (JsonNode line : x) {
                String s = text(line, "slurm.extra", at);
                if (!s.startsWith("#SBATCH ")) {
                    throw at.bad("slurm.extra", "each line must start with '#SBATCH ', got '" + s + "'");
                }
                extra.add(s);
            }
        }
        return new SlurmSpec(word(f.get("partition"), "slurm.partition", at), word(f.get("time"), "slurm.time", at),
                count(f.get("gpusPerTask"), "slurm.gpusPerTask", 0, at), word(f.get("gres"), "slurm.gres", at),
                count(f.get("cpusPerTask"), "slurm.cpusPerTask", 0, at), word(f.get("mem"), "slurm.mem", at),
                count(f.get("maxRunning"), "slurm.maxRunning", 0, at), List.copyOf(extra));
    }

    private static Map<String, JsonNode> fields(JsonNode n, String section, Set<String> known, Where at) {
        if (!n.isObject()) {
            throw at.bad(section, "must be a mapping, got " + kind(n));
        }
        Map<String, JsonNode> f = new HashMap<>();
        n.fields().forEachRemaining(e -> {
            if (!known.contains(e.getKey())) {
                throw at.bad(section + "." + e.getKey(), "unknown key; known keys here: " + known.stream().sorted().toList());
            }
            f.put(e.getKey(), e.getValue());
        });
        return f;
    }

    private static int count(JsonNode n, String field, int dflt, Where at) {
        if (n == null) {
            return dflt;
        }
        if (!n.isInt() || n.asInt() < 0) {
            throw at.bad(field, "must be a whole number >= 0, got " + Point.show(n));
        }
        return n.asInt();
    }

    private static String word(JsonNode n, String field, Where at) {
        if (n == null || n.isNull()) {
            return null;
        }
        String s = n.isNumber() ? n.asText() : text(n, field, at);
        if (!s.matches("[A-Za-z0-9:._,=+-]+")) {
            throw at.bad(field, "must be one word of letters, digits and :._,=+-, got '" + s + "'");
        }
        return s;
    }

    private static String text(JsonNode n, String field, Where at) {
        if (!n.isTextual() || n.asText().isBlank() || n.asText().contains("\n")) {
            throw at.bad(field, "must be a one-line string, got " + kind(n));
        }
        return n.asText();
    }

    private static String kind(JsonNode n) {
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        return n.isNull() ? "null" : Point.show(n);
    }

    static String yaml(JsonNode n) {
        try {
            return ConfigLoader.mapper().writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write YAML", e);
        }
    }

    /** Maps dotted field paths of YAML text to the line of their key. */
    static Map<String, Integer> lines(String text) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = ConfigLoader.mapper().getFactory().createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) {
                    List<String> parts = new ArrayList<>();
                    for (var c = p.getParsingContext(); c != null && c.getParent() != null; c = c.getParent()) {
                        if (c.getCurrentName() != null && c.inObject()) {
                            parts.add(0, c.getCurrentName());
                        }
                    }
                    lines.putIfAbsent(String.join(".", parts), p.currentTokenLocation().getLineNr());
                }
            }
        } catch (IOException | RuntimeException e) {
            // Already parsed once; line numbers are a courtesy.
        }
        return lines;
    }

    /** Builds messages that start with {@code file:line}. */
    record Where(String source, Map<String, Integer> lines) {
        String of(String path) {
            Integer line = lines.get(path);
            if (line == null && path.contains(".")) {
                line = lines.get(path.substring(0, path.indexOf('.')));
            }
            return line == null ? source : source + ":" + line;
        }

        BadInputException bad(String path, String rule) {
            return new BadInputException(of(path) + ": " + (path.isEmpty() ? "" : path + ": ") + rule);
        }
    }
}
