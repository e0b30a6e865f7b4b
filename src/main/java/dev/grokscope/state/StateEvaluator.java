package dev.grokscope.state;

import dev.grokscope.config.Experiment;
import dev.grokscope.data.Split;
import dev.grokscope.eval.Evaluator;
import dev.grokscope.eval.Scores;
import dev.grokscope.model.Network;
import dev.grokscope.results.Npy;

import java.util.Map;

/**
 * Evaluates saved states one after another with the {@link Evaluator}, rebuilding the network only when
 * the config changes: states of one run share one network whose parameters are assigned in place, so
 * evaluating a trajectory costs one forward pass per split and state.
 *
 * <p>Each state is evaluated on the split its own config defines (the run's training and validation
 * pairs), in the dtype it was trained in.
 */
public final class StateEvaluator {
    private String config;
    private StateLoader.Loaded loaded;
    private Evaluator evaluator;
    /** The state whose parameters the network holds, or null after an edit was assigned. */
    private State current;

    /** Loads {@code state} into the (possibly reused) network and evaluates it. */
    public Scores evaluate(State state, String source) {
        use(state, source);
        return evaluator.evaluate();
    }

    /**
     * Evaluates other parameters (an edit of {@code base}'s) on a network built from {@code base}'s config,
     * on its split.
     */
    public Scores evaluate(State base, Map<String, Npy.Array> params, String source) {
        assign(base, params, source);
        return evaluator.evaluate();
    }

    /** Assigns other parameters into a network built from {@code base}'s config (for other measurements). */
    public void assign(State base, Map<String, Npy.Array> params, String source) {
        network(base, source);
        StateLoader.assignParameters(params, loaded.network(), source);
        current = null;
    }

    /** Makes {@code state} current and returns its network (parameters assigned) and split. */
    public StateLoader.Loaded use(State state, String source) {
        if (current != state) {
            if (network(state, source)) {
                StateLoader.restore(state, loaded.network(), source);
            }
            loaded = new StateLoader.Loaded(state, loaded.experiment(), loaded.split(), loaded.network());
            current = state;
        }
        return loaded;
    }

    /**
     * Makes sure the network is built from {@code state}'s config; returns whether it was reused (and so
     * still holds other parameters) rather than built from {@code state} just now.
     */
    private boolean network(State state, String source) {
        if (loaded != null && state.config() != null && state.config().equals(config)) {
            return true;
        }
        loaded = StateLoader.load(state, source);
        config = state.config();
        evaluator = new Evaluator(loaded.network(), loaded.split());
        current = state;
        return false;
    }

    /** The current experiment (after {@link #use}). */
    public Experiment experiment() {
        return loaded.experiment();
    }

    /** The current split (after {@link #use}). */
    public Split split() {
        return loaded.split();
    }

    /** The current network (after {@link #use}). */
    public Network network() {
        return loaded.network();
    }
}
