package dev.grokscope.intervene;

import dev.grokscope.results.Npy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Weight averaging: the uniform average of states (stochastic weight averaging along a trajectory,
 * Izmailov et al. 2018; a uniform model soup across runs) and the greedy soup of Wortsman et al. (2022,
 * "Model soups", recipe 1).
 */
public final class Average {
    /**
     * A greedy soup.
     *
     * @param order ingredient indices by descending held-out score, the order they were tried in
     * @param kept the indices in the soup, in the order they joined
     * @param scores the held-out score of each ingredient alone
     * @param soupScore the held-out score of the soup
     * @param soup its parameters
     */
    public record Soup(List<Integer> order, List<Integer> kept, double[] scores, double soupScore,
                       Map<String, Npy.Array> soup) {
    }

    private Average() {
    }

    /**
     * The uniform average (1/n) sum_i theta_i, parameter by parameter, as a running mean
     * m_i = m_{i-1} + (theta_i - m_{i-1}) / i, so that the average of identical states is that state
     * exactly. The maps must hold the same names and shapes.
     */
    public static Map<String, Npy.Array> uniform(List<Map<String, Npy.Array>> states) {
        if (states.isEmpty()) {
            throw new IllegalArgumentException("an average needs at least one state");
        }
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        for (Map.Entry<String, Npy.Array> e : states.get(0).entrySet()) {
            double[] m = e.getValue().data().clone();
            for (int s = 1; s < states.size(); s++) {
                double[] x = states.get(s).get(e.getKey()).data();
                if (x.length != m.length) {
                    throw new IllegalArgumentException(e.getKey() + ": " + x.length + " vs " + m.length + " values");
                }
                int k = s + 1;
                for (int i = 0; i < m.length; i++) {
                    m[i] += (x[i] - m[i]) / k;
                }
            }
            out.put(e.getKey(), new Npy.Array(e.getValue().shape(), m));
        }
        return out;
    }

    /**
     * Wortsman et al.'s greedy soup: sort the ingredients by held-out score (descending; ties by position),
     * start the soup with the best, then try each other in turn and keep it only if the uniform average
     * of the soup with it scores strictly higher on the held-out set than the soup without it.
     *
     * @param heldOut the held-out score (accuracy) of parameters; it must not use the data the soup is
     *     reported on
     */
    public static Soup greedy(List<Map<String, Npy.Array>> ingredients, ToDoubleFunction<Map<String, Npy.Array>> heldOut) {
        int n = ingredients.size();
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            scores[i] = heldOut.applyAsDouble(ingredients.get(i));
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
        List<Integer> kept = new ArrayList<>(List.of(order.get(0)));
        Map<String, Npy.Array> soup = ingredients.get(order.get(0));
        double best = scores[order.get(0)];
        for (int j = 1; j < n; j++) {
            List<Map<String, Npy.Array>> trial = new ArrayList<>();
            kept.forEach(i -> trial.add(ingredients.get(i)));
            trial.add(ingredients.get(order.get(j)));
            Map<String, Npy.Array> candidate = uniform(trial);
            double score = heldOut.applyAsDouble(candidate);
            if (score > best) {
                kept.add(order.get(j));
                soup = candidate;
                best = score;
            }
        }
        return new Soup(List.copyOf(order), List.copyOf(kept), scores, best, soup);
    }
}
