package dev.grokscope.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Expands a sweep into points: the cartesian product of the grid axes (the first axis varies slowest),
 * then the explicit {@code runs:}, in file order. Ids join {@code alias=value} pairs with commas, e.g.
 * {@code wd=0.3,seed=1}; an alias is a short name for common keys, else the key's last segment (the
 * whole key if two axes would share it). Characters outside {@code [A-Za-z0-9._=,+-]} become '_', and
 * a repeated id gets {@code -2}, {@code -3}, ...
 */
public final class Grid {
    /** Short names for the keys that sweeps vary most. */
    static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("optimizer.weightDecay", "wd"),
            Map.entry("optimizer.lr", "lr"),
            Map.entry("optimizer.type", "opt"),
            Map.entry("optimizer.warmupSteps", "warmup"),
            Map.entry("data.p", "p"),
            Map.entry("data.operation", "op"),
            Map.entry("data.trainFraction", "frac"),
            Map.entry("data.randomLabels", "random"),
            Map.entry("model.width", "width"),
            Map.entry("model.depth", "depth"),
            Map.entry("model.activation", "act"),
            Map.entry("model.initScale", "init"),
            Map.entry("training.epochs", "epochs"),
            Map.entry("training.batchSize", "bs"),
            Map.entry("seed", "seed"));

    private Grid() {
    }

    /** The points of a sweep, in plan order. */
    public static List<Point> expand(SweepSpec spec) {
        List<LinkedHashMap<String, JsonNode>> combos = new ArrayList<>();
        if (!spec.grid().isEmpty()) {
            combos.add(new LinkedHashMap<>());
            for (Map.Entry<String, List<JsonNode>> axis : spec.grid().entrySet()) {
                List<LinkedHashMap<String, JsonNode>> next = new ArrayList<>();
                for (LinkedHashMap<String, JsonNode> c : combos) {
                    for (JsonNode v : axis.getValue()) {
                        LinkedHashMap<String, JsonNode> m = new LinkedHashMap<>(c);
                        m.put(axis.getKey(), v);
                        next.add(m);
                    }
                }
                combos = next;
            }
        }
        combos.addAll(spec.runs());

        Map<String, String> aliases = aliases(axisKeys(spec));
        List<Point> points = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (LinkedHashMap<String, JsonNode> c : combos) {
            List<String> parts = new ArrayList<>();
            c.forEach((k, v) -> parts.add(aliases.get(k) + "=" + Point.show(v)));
            String id = sanitize(String.join(",", parts));
            String unique = id;
            for (int n = 2; !used.add(unique); n++) {
                unique = id + "-" + n;
            }
            points.add(new Point(points.size(), unique, c));
        }
        return points;
    }

    /** Every key a point may set: grid axes, then keys that only {@code runs:} set, in first-seen order. */
    public static List<String> axisKeys(SweepSpec spec) {
        Set<String> keys = new LinkedHashSet<>(spec.grid().keySet());
        spec.runs().forEach(r -> keys.addAll(r.keySet()));
        return List.copyOf(keys);
    }

    /** Key -> the name used in ids: the alias, else the last segment, else (on a clash) the whole key. */
    static Map<String, String> aliases(List<String> keys) {
        Map<String, String> shortName = new LinkedHashMap<>();
        for (String k : keys) {
            shortName.put(k, ALIASES.getOrDefault(k, k.substring(k.lastIndexOf('.') + 1)));
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (String k : keys) {
            String s = shortName.get(k);
            boolean clash = shortName.entrySet().stream().anyMatch(e -> !e.getKey().equals(k) && e.getValue().equals(s));
            result.put(k, clash ? k : s);
        }
        return result;
    }

    /** Makes a string safe as a file name on any file system we meet. */
    static String sanitize(String s) {
        String safe = s.replaceAll("[^A-Za-z0-9._=,+-]", "_");
        if (safe.startsWith(".") || safe.startsWith("-")) {
            safe = "_" + safe.substring(1);
        }
        if (safe.length() > 120) {
            safe = safe.substring(0, 112) + "~" + Integer.toHexString(s.hashCode());
        }
        return safe.isEmpty() ? "point" : safe;
    }
}
