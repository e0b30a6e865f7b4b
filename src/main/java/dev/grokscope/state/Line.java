package dev.grokscope.state;

import dev.grokscope.eval.Scores;
import dev.grokscope.intervene.Interpolation;
import dev.grokscope.spectra.SingularValues;
import dev.grokscope.spectra.VectorAgreement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two states evaluated along the straight line between them ({@link Interpolation#at}), on the first
 * state's split, and what linear mode connectivity reads off it: the loss barriers and error
 * instabilities on both splits ({@link Interpolation#barrier}, {@link Interpolation#instability}) and
 * the top-10 singular-vector agreement of the endpoints' matrices ({@link VectorAgreement}). Used by
 * {@code grokscope interpolate} (one pair) and {@code grokscope lmc} (every pair of branches).
 *
 * @param alphas the points, linspace(0, 1, n)
 * @param scores the evaluation at each alpha (first: state A, last: state B)
 * @param sva per weight matrix of A, the top-10 SVA between A's and B's
 */
public record Line(double[] alphas, List<Scores> scores, Map<String, Double> sva) {
    /**
     * Evaluates {@code points} points between {@code a} and {@code b} (same architecture: the caller checks
     * with {@link State#requireSameArchitecture}).
     */
    public static Line scan(StateEvaluator ev, State a, String labelA, State b, int points) {
        double[] alphas = Interpolation.alphas(points);
        List<Scores> scores = new ArrayList<>();
        for (double alpha : alphas) {
            scores.add(ev.evaluate(a, Interpolation.at(a.params(), b.params(), alpha), labelA));
        }
        Map<String, Double> sva = new LinkedHashMap<>();
        for (String m : a.matrices()) {
            sva.put(m, VectorAgreement.singularVectorAgreement(SingularValues.full(a.params().get(m).matrix()),
                    SingularValues.full(b.params().get(m).matrix()), VectorAgreement.DEFAULT_K));
        }
        return new Line(alphas, List.copyOf(scores), java.util.Collections.unmodifiableMap(sva));
    }

    public List<Double> trainLoss() {
        return scores.stream().map(Scores::trainLoss).toList();
    }

    public List<Double> valLoss() {
        return scores.stream().map(Scores::valLoss).toList();
    }

    public List<Double> trainError() {
        return scores.stream().map(Scores::trainError).toList();
    }

    public List<Double> valError() {
        return scores.stream().map(Scores::valError).toList();
    }

    public double lossBarrierTrain() {
        return Interpolation.barrier(alphas, trainLoss());
    }

    public double lossBarrierVal() {
        return Interpolation.barrier(alphas, valLoss());
    }

    public double errorInstabilityTrain() {
        return Interpolation.instability(trainError());
    }

    public double errorInstabilityVal() {
        return Interpolation.instability(valError());
    }

    /** The evaluation of state A (alpha = 0). */
    public Scores first() {
        return scores.get(0);
    }

    /** The evaluation of state B (alpha = 1). */
    public Scores last() {
        return scores.get(scores.size() - 1);
    }
}
