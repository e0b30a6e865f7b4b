package dev.grokscope.warn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spectral early warning of grokking: an online detector fed one spectra snapshot at a time, that
 * uses the spectra of the weights alone (no validation data, no training loss, no look-ahead).
 *
 * <h2>The pre-registered rule</h2>
 * For each weight matrix m let r_m(t) be its normalised effective rank at snapshot t
 * ({@code effective_rank_normalized}: exp of the entropy of the normalised singular values, divided by
 * min(rows, cols); Roy &amp; Vetterli 2007, as used by Yunis et al. 2024) and P_m(t) = max_{s <= t} r_m(s)
 * its running maximum. The detector fires at the first snapshot t at which, for some matrix m,
 * <pre>
 *     r_m(u) <= (1 - {@value #DROP}) * P_m(u)   for the {@value #SNAPSHOTS} snapshots u = t-2, t-1, t in a row,
 * </pre>
 * i.e. when some matrix has kept less than half of its highest normalised effective rank for three
 * snapshots in a row. It fires once; if several matrices qualify at that snapshot, the one with the
 * smallest r_m(t) / P_m(t) is named (ties: the first in the order given).
 *
 * <p>Frozen before any evaluation beyond the pre-registration runs (the MLP sweep
 * {@code results/reference/mlp-wd-fast}, the transformer {@code results/reference/nanda-mod113}, and the
 * seed-0 points of the yunis-wd-nanda sweep as far as they had run); docs/early-warning.md gives the
 * commit, the reasons for the two numbers and how they behave on those runs. The rule is stated in
 * snapshots, so its delay after the drop is {@value #SNAPSHOTS} - 1 spectra intervals.
 *
 * <p>Not thread-safe; one instance follows one run.
 */
public final class SpectralWarning {
    /** The spectra.csv column the rule reads. */
    public static final String METRIC = "effective_rank_normalized";
    /** The fraction of the running maximum lost: 0.5, "halved". */
    public static final double DROP = 0.5;
    /** Consecutive snapshots the drop must last. */
    public static final int SNAPSHOTS = 3;

    private final double drop;
    private final int snapshots;
    private final Map<String, DropFromPeak> byMatrix = new LinkedHashMap<>();
    private final String rule;
    private int lastEpoch = -1;
    private Warning warning;

    private SpectralWarning(double drop, int snapshots) {
        this.drop = drop;
        this.snapshots = snapshots;
        this.rule = METRIC + ": " + new DropFromPeak(drop, snapshots).formula();
    }

    /** The detector with the pre-registered parameters {@link #DROP} and {@link #SNAPSHOTS}. */
    public static SpectralWarning preRegistered() {
        return new SpectralWarning(DROP, SNAPSHOTS);
    }

    /**
     * The pre-registered detector after replaying recorded spectra.csv rows (column -> cell text), e.g.
     * those a resumed run keeps up to its checkpoint: its running maxima, and its warning if it fired.
     */
    public static SpectralWarning replayed(List<? extends Map<String, String>> spectraRows) {
        SpectralWarning d = preRegistered();
        SpectraRows.snapshots(spectraRows).forEach(d::observe);
        return d;
    }

    /** The same rule with other parameters, for sensitivity checks (not the registered detector). */
    public static SpectralWarning withParameters(double drop, int snapshots) {
        return new SpectralWarning(drop, snapshots);
    }

    /**
     * Takes one snapshot and returns the warning if the rule fires at it; empty before, and after it has
     * fired (see {@link #warning()}).
     *
     * @param epoch the snapshot's epoch, greater than the previous snapshot's
     * @param metricsByMatrix matrix name -> spectra.csv metric name -> value, as the recorder has it
     *     (e.g. {@code SpectralMetrics.toMap()} per matrix; values that are not numbers are ignored); a
     *     matrix without a numeric {@value #METRIC} in a snapshot is skipped for that snapshot
     * @throws IllegalArgumentException when the epochs do not increase
     */
    public Optional<Warning> observe(int epoch, Map<String, ? extends Map<String, ?>> metricsByMatrix) {
        if (epoch <= lastEpoch) {
            throw new IllegalArgumentException("epoch: snapshots must come in increasing epochs, got " + epoch
                    + " after " + lastEpoch);
        }
        lastEpoch = epoch;
        String fired = null;
        double deepest = Double.POSITIVE_INFINITY;
        for (Map.Entry<String, ? extends Map<String, ?>> e : metricsByMatrix.entrySet()) {
            if (!(e.getValue().get(METRIC) instanceof Number r)) {
                continue;
            }
            DropFromPeak d = byMatrix.computeIfAbsent(e.getKey(), k -> new DropFromPeak(drop, snapshots));
            if (d.observe(r.doubleValue()) && d.ratio() < deepest) {
                fired = e.getKey();
                deepest = d.ratio();
            }
        }
        if (warning != null || fired == null) {
            return Optional.empty();
        }
        warning = new Warning(epoch, fired, rule);
        return Optional.of(warning);
    }

    /** An independent detector in this one's state: what it would do next, this one does. */
    public SpectralWarning copy() {
        SpectralWarning c = new SpectralWarning(drop, snapshots);
        byMatrix.forEach((name, rule) -> c.byMatrix.put(name, rule.copy()));
        c.lastEpoch = lastEpoch;
        c.warning = warning;
        return c;
    }

    /** The warning once fired, else empty. */
    public Optional<Warning> warning() {
        return Optional.ofNullable(warning);
    }

    /** The rule with its parameters, as {@link Warning#rule()} states it. */
    public String rule() {
        return rule;
    }

    /**
     * The detector's outcome for summary.json: {@value #SUMMARY_EPOCH} and {@value #SUMMARY_MATRIX}
     * (null while it has not fired) and {@value #SUMMARY_RULE} (always, so that a null epoch says which
     * rule stayed silent).
     */
    public Map<String, Object> summaryFields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(SUMMARY_EPOCH, warning == null ? null : warning.epoch());
        m.put(SUMMARY_MATRIX, warning == null ? null : warning.matrix());
        m.put(SUMMARY_RULE, rule);
        return m;
    }

    /** summary.json key: the epoch the spectral warning fired at, or null. */
    public static final String SUMMARY_EPOCH = "spectral_warning_epoch";
    /** summary.json key: the matrix it fired on, or null. */
    public static final String SUMMARY_MATRIX = "spectral_warning_matrix";
    /** summary.json key: the rule with its parameters. */
    public static final String SUMMARY_RULE = "spectral_warning_rule";
}
