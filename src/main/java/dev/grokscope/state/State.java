package dev.grokscope.state;

import dev.grokscope.BadInputException;
import dev.grokscope.config.ConfigLoader;
import dev.grokscope.config.Experiment;
import dev.grokscope.results.Npy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One saved state of a network: every parameter by its stable name (biases too), optionally the
 * optimiser's state and step count, and the resolved config that rebuilds the network and its data
 * split. A checkpoint, a trajectory state, a run's final state and the result of an intervention
 * (truncation, interpolation, averaging) are all states; {@link StateFile} stores them.
 *
 * <p>Values are held as float64 arrays in C order ({@link Npy.Array}); a state saved from a float32
 * network holds its float32 values exactly, and assigning them back restores them bit for bit.
 *
 * @param epoch the epoch after whose steps the state was taken (0: the initial weights)
 * @param steps optimiser steps taken so far
 * @param seed the run's seed
 * @param config the resolved config.yaml text; null only for format-1 checkpoints, which did not carry it
 * @param provenance where the state came from (run, git commit, version, what edit made it), for people
 * @param params every parameter, in the network's order
 * @param matrices which of {@code params} are weight matrices (the ones spectra and edits apply to)
 * @param optimizer the optimiser's state (Adam's moments, ...); empty for weights-only states
 */
public record State(int epoch, long steps, long seed, String config, Map<String, Object> provenance,
                    Map<String, Npy.Array> params, List<String> matrices, Map<String, Npy.Array> optimizer) {
    public State {
        params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
        optimizer = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(optimizer));
        provenance = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        matrices = List.copyOf(matrices);
        if (!params.keySet().containsAll(matrices)) {
            throw new IllegalArgumentException("matrices " + matrices + " must be parameters " + params.keySet());
        }
    }

    /** Whether this state carries the optimiser's state (so that training can continue from it). */
    public boolean hasOptimizer() {
        return !optimizer.isEmpty();
    }

    /**
     * The experiment this state belongs to, parsed (and validated) from its config.
     *
     * @param source names the state in messages
     * @throws BadInputException when the state carries no config or an invalid one
     */
    public Experiment experiment(String source) {
        if (config == null) {
            throw new BadInputException(source + ": state carries no config (a format-1 checkpoint); "
                    + "load it through its run directory");
        }
        return ConfigLoader.parse(config, source + "!" + StateFile.CONFIG, List.of());
    }

    /** The same state with {@code config} filled in (format-1 checkpoints take their run's config.yaml). */
    public State withConfig(String configText) {
        return new State(epoch, steps, seed, configText, provenance, params, matrices, optimizer);
    }

    /**
     * A state derived from this one by an edit of its weights: new parameters, no optimiser state (the
     * moments belong to the old weights), the same epoch, config and seed, and {@code derivation}
     * recorded in the provenance under {@code derived}.
     */
    public State derived(Map<String, Npy.Array> newParams, String derivation) {
        Map<String, Object> prov = new LinkedHashMap<>(provenance);
        prov.put("derived", derivation);
        return new State(epoch, steps, seed, config, prov, newParams, matrices, Map.of());
    }

    /**
     * The name of the first parameter in which two states' architectures differ (a name present in one
     * only, or a shape), or null when they have the same parameters of the same shapes in the same order.
     */
    public static String firstDifference(State a, State b) {
        List<String> na = List.copyOf(a.params.keySet());
        List<String> nb = List.copyOf(b.params.keySet());
        for (int i = 0; i < Math.max(na.size(), nb.size()); i++) {
            if (i >= na.size()) {
                return nb.get(i) + " (only in the second)";
            }
            if (i >= nb.size() || !na.get(i).equals(nb.get(i))) {
                return na.get(i) + (Set.copyOf(nb).contains(na.get(i)) ? " (in another order)" : " (only in the first)");
            }
            int[] sa = a.params.get(na.get(i)).shape();
            int[] sb = b.params.get(nb.get(i)).shape();
            if (!Arrays.equals(sa, sb)) {
                return na.get(i) + " (shape " + Arrays.toString(sa) + " vs " + Arrays.toString(sb) + ")";
            }
        }
        return null;
    }

    /**
     * Refuses states whose architectures differ, naming the first parameter that differs.
     *
     * @throws BadInputException when a parameter's name or shape differs
     */
    public static void requireSameArchitecture(String nameA, State a, String nameB, State b) {
        String d = firstDifference(a, b);
        if (d != null) {
            throw new BadInputException(nameB + ": different architecture from " + nameA + ": first differing parameter "
                    + d);
        }
    }
}
