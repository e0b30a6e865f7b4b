package dev.grokscope.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.BadInputException;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.state.Parent;
import dev.grokscope.state.StateRef;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A sweep whose every point has been loaded through {@link ConfigLoader} (base config plus the point's
 * values as {@code --set} overrides), so that nothing runs unless every point is a valid experiment.
 *
 * @param spec   the sweep file
 * @param keys   every key a point may set (plan.csv's columns after id)
 * @param points the points, in plan order
 */
public record SweepPlan(SweepSpec spec, List<String> keys, List<Planned> points) {

    /** A point with its resolved config. */
    public record Planned(Point point, Experiment experiment, String configYaml) {
        public String id() {
            return point.id();
        }

        /**
         * The value {@code key} (dotted) has at this point, as {@link Point#show} text: the point's own
         * value, or, where the point leaves the key at the base, the resolved config's (the base's or the
         * default), so that a table grouped by the key counts every point; "" if the config has no such key.
         */
        public String value(String key) {
            String own = point.show(key);
            if (!own.isEmpty()) {
                return own;
            }
            JsonNode n = ConfigLoader.tree(configYaml, id());
            for (String part : key.split("\\.")) {
                n = n == null ? null : n.get(part);
            }
            return n == null || n.isNull() || n.isContainerNode() && n.isEmpty() ? "" : Point.show(n);
        }
    }

    /**
     * Expands and validates a sweep. A bad axis is one line naming the sweep file, the axis and the rule,
     * e.g. {@code sweeps/x.yaml:4: grid axis optimizer.weightDecay = -1: must be >= 0, got -1.0}.
     */
    public static SweepPlan of(SweepSpec spec) {
        // The base alone first, so that its own errors are reported as such and not blamed on an axis.
        List<String> common = new ArrayList<>();
        spec.set().forEach((k, v) -> common.add(k + "=" + Point.json(v)));
        try {
            ConfigLoader.parse(spec.baseText(), spec.baseSource(), common);
        } catch (BadInputException e) {
            throw blameSet(spec, e);
        }
        List<Planned> planned = new ArrayList<>();
        for (Point p : Grid.expand(spec)) {
            try {
                List<String> overrides = new ArrayList<>(common);
                overrides.addAll(p.overrides());
                Experiment e = states(ConfigLoader.parse(spec.baseText(), spec.baseSource(), overrides),
                        spec.file().toAbsolutePath().getParent());
                planned.add(new Planned(p, e, ConfigLoader.toYaml(e)));
            } catch (BadInputException e) {
                throw blame(spec, p, e);
            }
        }
        return new SweepPlan(spec, Grid.axisKeys(spec), List.copyOf(planned));
    }

    /**
     * Resolves the states a point starts from ({@code from}: a branch) and draws its mask from
     * ({@code mask.from}) against the sweep file's directory, as {@code base:} is, and checks that they
     * exist now: a branch epoch the trunk did not save is bad input before anything runs (the message
     * names the nearest saved epochs). Points run in the sweep directory, so the paths are made absolute.
     */
    private static Experiment states(Experiment e, Path dir) {
        if (!e.from().isEmpty()) {
            String from = absolute(e.from(), dir);
            Parent.of(from); // a saved state with optimiser state, or bad input
            e = e.withFrom(from);
        }
        if (e.mask().enabled()) {
            String from = absolute(e.mask().from(), dir);
            StateRef.one(from);
            e = e.withMaskFrom(from);
        }
        return e;
    }

    private static String absolute(String ref, Path dir) {
        Path p = Path.of(ref);
        return p.isAbsolute() ? ref : dir.resolve(ref).normalize().toString();
    }

    /** Rewrites the loader's message, which names a {@code --set}, to name the sweep file and the axis. */
    private static BadInputException blame(SweepSpec spec, Point p, BadInputException e) {
        String m = e.getMessage();
        for (Map.Entry<String, JsonNode> v : p.values().entrySet()) {
            String set = "--set " + v.getKey() + "=" + Point.json(v.getValue());
            if (m.startsWith(set)) {
                String rule = m.substring(set.length()).replaceFirst("^: ", "");
                boolean onGrid = spec.grid().containsKey(v.getKey());
                String where = onGrid ? spec.at("grid." + v.getKey()) : spec.at("runs");
                String what = onGrid ? "grid axis " + v.getKey() : "runs[" + (p.index() - gridSize(spec)) + "] "
                        + v.getKey();
                return new BadInputException(where + ": " + what + " = " + Point.show(v.getValue()) + ": " + rule, e);
            }
        }
        return new BadInputException(spec.file() + ": point " + p.id() + ": " + m, e);
    }

    private static BadInputException blameSet(SweepSpec spec, BadInputException e) {
        String m = e.getMessage();
        for (Map.Entry<String, JsonNode> v : spec.set().entrySet()) {
            String set = "--set " + v.getKey() + "=" + Point.json(v.getValue());
            if (m.startsWith(set)) {
                return new BadInputException(spec.at("set." + v.getKey()) + ": set " + v.getKey() + " = "
                        + Point.show(v.getValue()) + ": " + m.substring(set.length()).replaceFirst("^: ", ""), e);
            }
        }
        return e;
    }

    private static int gridSize(SweepSpec spec) {
        return spec.grid().isEmpty() ? 0 : spec.grid().values().stream().mapToInt(List::size).reduce(1, (a, b) -> a * b);
    }
}
