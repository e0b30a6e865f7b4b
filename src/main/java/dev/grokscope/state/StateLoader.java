package dev.grokscope.state;

import dev.grokscope.BadInputException;
import dev.grokscope.config.Experiment;
import dev.grokscope.data.Split;
import dev.grokscope.model.Network;
import dev.grokscope.model.Networks;
import dev.grokscope.results.Npy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * The one way a saved state becomes a network again, used by resume and by every post-hoc command:
 * the state's config rebuilds the network ({@link Networks#build}) and the data split
 * ({@link Split#of}); the saved arrays are then assigned into the network's live ones, in place, after
 * every name and shape has been checked, so nothing is half-assigned.
 */
public final class StateLoader {
    /** A state loaded into a network, with the experiment and split it belongs to. */
    public record Loaded(State state, Experiment experiment, Split split, Network network) {
    }

    private StateLoader() {
    }

    /**
     * Rebuilds the network and split of a state and assigns its parameters (and optimiser state and step
     * count, when it has them).
     *
     * @param source names the state in messages
     */
    public static Loaded load(State state, String source) {
        Experiment e = state.experiment(source);
        Split split = Split.of(e.data(), e.seeds());
        Network network = Networks.build(e);
        restore(state, network, source);
        return new Loaded(state, e, split, network);
    }

    /**
     * Assigns a state into a network built from the same config: parameters, and the optimiser state
     * and step count when the state has them (a weights-only state leaves the optimiser as built).
     *
     * @throws BadInputException naming the first parameter whose name or shape differs
     */
    public static void restore(State state, Network network, String source) {
        check(state.params(), network.parameters(), "parameter", source);
        if (state.hasOptimizer()) {
            check(state.optimizer(), network.optimizerState(), "optimizer state", source);
        }
        assign(state.params(), network.parameters());
        if (state.hasOptimizer()) {
            assign(state.optimizer(), network.optimizerState());
            network.restoreSteps(state.steps());
        }
    }

    /**
     * Assigns parameters into a network in place (the network's dtype: float32 rounds float64 values
     * once), e.g. an edited state's, after checking names and shapes.
     */
    public static void assignParameters(Map<String, Npy.Array> params, Network network, String source) {
        check(params, network.parameters(), "parameter", source);
        assign(params, network.parameters());
    }

    private static void check(Map<String, Npy.Array> saved, Map<String, INDArray> live, String what, String source) {
        if (!saved.keySet().equals(live.keySet())) {
            throw new BadInputException(source + ": " + what + " names " + saved.keySet()
                    + " do not match the network's " + live.keySet());
        }
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            long[] shape = Arrays.stream(saved.get(e.getKey()).shape()).asLongStream().toArray();
            if (!Arrays.equals(shape, e.getValue().shape())) {
                throw new BadInputException(source + ": " + what + " " + e.getKey() + " has shape "
                        + Arrays.toString(shape) + ", the network has " + Arrays.toString(e.getValue().shape()));
            }
        }
    }

    private static void assign(Map<String, Npy.Array> saved, Map<String, INDArray> live) {
        for (Map.Entry<String, INDArray> e : live.entrySet()) {
            Npy.Array a = saved.get(e.getKey());
            INDArray values = Nd4j.create(a.data(), e.getValue().shape(), 'c');
            INDArray typed = values.dataType() == e.getValue().dataType() ? values : values.castTo(e.getValue().dataType());
            e.getValue().assign(typed);
            typed.close(); // temporaries freed now: a trajectory assigns thousands of them
            if (typed != values) {
                values.close();
            }
        }
    }
}
