package dev.grokscope.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grokscope.BadInputException;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.results.RunDirectory;
import dev.grokscope.train.RunStatus;
import dev.grokscope.warn.MetricWarning;
import dev.grokscope.warn.SpectralWarning;
import dev.grokscope.warn.Warning;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The offline evaluation of the early-warning rules of {@code dev.grokscope.warn}: replays each
 * recorded run's spectra.csv (spectral rule) and metrics.csv (baselines) row by row through the same
 * online detectors a live run would use, and scores each warning against the run's epoch_val_99.
 *
 * <p>Scoring (docs/early-warning.md): a run that groks scores {@link Outcome#HIT} when the warning
 * comes before epoch_val_99 (lead time = epoch_val_99 - warning epoch), {@link Outcome#LATE} at or
 * after it, {@link Outcome#MISS} without one; a run that ended without grokking scores
 * {@link Outcome#FALSE_ALARM} or {@link Outcome#QUIET}; a run still going that has not grokked is
 * {@link Outcome#OPEN}.
 */
public final class EarlyWarnings {
    private EarlyWarnings() {
    }

    /** How one rule did on one run. */
    public enum Outcome {
        HIT("hit"), LATE("late"), MISS("miss"), FALSE_ALARM("false alarm"), QUIET("quiet"), OPEN("open");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The rules in the order of the table: the spectral detector, then the two baselines. */
    public enum Rule {
        SPECTRAL("spectral"), TRAIN_LOSS("train_loss"), WEIGHT_NORM("weight_norm");

        private final String column;

        Rule(String column) {
            this.column = column;
        }

        /** The prefix of this rule's columns in early-warning.csv. */
        public String column() {
            return column;
        }
    }

    /**
     * One rule's result on one run.
     *
     * @param rule the rule with its parameters (also when it did not fire)
     * @param warning the warning, or null when the rule never fired
     * @param lead epoch_val_99 - warning epoch, or null without both
     */
    public record Scored(String rule, Warning warning, Outcome outcome, Integer lead) {
    }

    /**
     * One run's row of the table.
     *
     * @param run the run's id: its directory name, prefixed by the sweep's for a sweep's runs
     * @param weightDecay, seed, trainFraction from config.yaml, as written there ("" when absent)
     * @param epochVal99 first evaluated epoch with validation accuracy >= 0.99, or null
     * @param lastEpoch the last evaluated epoch in metrics.csv, or null
     * @param byRule one result per {@link Rule}
     * @param epochs, valAccuracy the validation curve, for the figure
     * @param notes what was missing from the run's files
     */
    public record Row(Path dir, String run, String weightDecay, String seed, String trainFraction, String status,
                      Integer epochVal99, Integer lastEpoch, Map<Rule, Scored> byRule, double[] epochs,
                      double[] valAccuracy, List<String> notes) {
        public Scored scored(Rule r) {
            return byRule.get(r);
        }
    }

    /**
     * The run directories named by {@code dirs}: a run directory itself, a sweep directory's
     * {@code runs/*}, in the order given.
     *
     * @throws BadInputException naming the path that is neither a run nor a sweep directory
     */
    public static List<Row> evaluate(List<Path> dirs) {
        List<Row> rows = new ArrayList<>();
        for (Path d : dirs) {
            Reports.Kind kind = Reports.kind(d);
            if (kind == null) {
                throw new BadInputException(d + ": neither a run directory (run.json, metrics.csv, config.yaml) "
                        + "nor a sweep directory (sweep.yaml, plan.csv, runs/)");
            }
            if (kind == Reports.Kind.RUN) {
                rows.add(replay(name(d), RunData.read(d)));
                continue;
            }
            for (String id : runIds(d)) {
                rows.add(replay(name(d) + "/" + id, RunData.read(d.resolve("runs").resolve(id))));
            }
        }
        return rows;
    }

    /** Replays one run through the pre-registered rules. */
    public static Row replay(String id, RunData run) {
        List<String> notes = new ArrayList<>();
        if (run.spectra().rows().isEmpty()) {
            notes.add("spectra.csv is absent or empty: the spectral rule cannot fire");
        }
        if (run.metrics().rows().isEmpty()) {
            notes.add("metrics.csv is absent or empty: no baselines, no epoch_val_99 unless summary.json has it");
        }
        Integer val99 = epoch(RunFigures.grokEpoch(run, "epoch_val_99", "val_accuracy"));
        double[] epochs = run.metrics().numbers("epoch");
        Integer last = epoch(java.util.Arrays.stream(epochs).filter(Double::isFinite).max().orElse(Double.NaN));
        String status = run.status();
        boolean ended = status.equals(RunStatus.COMPLETED.label()) || status.equals(RunStatus.DIVERGED.label());

        Map<Rule, Scored> byRule = new LinkedHashMap<>();
        SpectralWarning spectral = SpectralWarning.replayed(run.spectra().rows());
        byRule.put(Rule.SPECTRAL, score(spectral.rule(), spectral.warning(), val99, ended));
        Map<Rule, MetricWarning> baselines = Map.of(Rule.TRAIN_LOSS, MetricWarning.trainLossSpike(),
                Rule.WEIGHT_NORM, MetricWarning.weightNormDrop());
        int outOfOrder = 0;
        for (Rule r : List.of(Rule.TRAIN_LOSS, Rule.WEIGHT_NORM)) {
            MetricWarning m = baselines.get(r);
            double[] v = run.metrics().numbers(m.column());
            outOfOrder = 0;
            double previous = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < epochs.length; i++) {
                if (!(epochs[i] > previous)) { // NaN or not after the row before: the online rules need order
                    outOfOrder++;
                    continue;
                }
                previous = epochs[i];
                m.observe((int) epochs[i], v[i]);
            }
            byRule.put(r, score(m.rule(), m.warning(), val99, ended));
        }
        if (outOfOrder > 0) {
            notes.add("metrics.csv: " + outOfOrder + " row(s) without an epoch after the row before left out");
        }
        JsonNode config = config(run, notes);
        return new Row(run.dir(), id, text(config, "optimizer", "weightDecay"), text(config, "seed", null),
                text(config, "data", "trainFraction"), status, val99, last, byRule, epochs,
                run.metrics().numbers("val_accuracy"), List.copyOf(notes));
    }

    static Scored score(String rule, Optional<Warning> w, Integer val99, boolean ended) {
        Warning warning = w.orElse(null);
        Outcome o;
        if (val99 != null) {
            o = warning == null ? Outcome.MISS : warning.epoch() < val99 ? Outcome.HIT : Outcome.LATE;
        } else if (warning != null) {
            o = ended ? Outcome.FALSE_ALARM : Outcome.OPEN;
        } else {
            o = ended ? Outcome.QUIET : Outcome.OPEN;
        }
        Integer lead = val99 != null && warning != null ? val99 - warning.epoch() : null;
        return new Scored(rule, warning, o, lead);
    }

    private static JsonNode config(RunData run, List<String> notes) {
        if (run.config() == null) {
            return null;
        }
        try {
            return ConfigLoader.tree(run.config(), "config.yaml");
        } catch (RuntimeException e) {
            notes.add("config.yaml is unreadable (" + e.getMessage() + "): no weight decay, seed or data fraction");
            return null;
        }
    }

    private static String text(JsonNode config, String section, String key) {
        if (config == null) {
            return "";
        }
        JsonNode n = key == null ? config.get(section) : config.path(section).get(key);
        return n == null || n.isNull() ? "" : n.asText();
    }

    private static Integer epoch(double e) {
        return Double.isFinite(e) ? (int) e : null;
    }

    private static String name(Path d) {
        Path n = d.toAbsolutePath().normalize().getFileName();
        return n == null ? d.toString() : n.toString();
    }

    /**
     * The sweep's run ids as its report lists them ({@link SweepData}: plan order, then any other run
     * directory, not the attempts moved aside), those with a directory.
     */
    private static List<String> runIds(Path sweep) {
        Path runs = sweep.resolve("runs");
        return SweepData.read(sweep).runs().stream().map(SweepData.Run::id)
                .filter(id -> Files.isDirectory(runs.resolve(id))).toList();
    }
}
