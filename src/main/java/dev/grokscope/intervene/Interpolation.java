package dev.grokscope.intervene;

import dev.grokscope.results.Npy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The straight line between two states' parameters, theta(alpha) = (1 - alpha) theta_A + alpha theta_B,
 * and the two numbers read off it.
 *
 * <p>Loss barrier (as Yunis et al. 2024; Frankle et al. 2020 call its error form instability): the
 * largest excess of the loss on the line over the chord between the endpoint losses,
 * max_{0 < alpha < 1} [L(alpha) - ((1 - alpha) L(0) + alpha L(1))].
 *
 * <p>Error instability (Frankle et al. 2020, "Linear mode connectivity and the lottery ticket
 * hypothesis"): the largest interior error minus the mean of the endpoint errors,
 * max_{0 < alpha < 1} err(alpha) - (err(0) + err(1)) / 2. Two states are linearly mode connected
 * when it is about zero.
 */
public final class Interpolation {
    private Interpolation() {
    }

    /** alpha_i = i / (points - 1), i = 0..points-1: exactly 0 and 1 at the ends. */
    public static double[] alphas(int points) {
        if (points < 3) {
            throw new IllegalArgumentException("an interpolation needs >= 3 points (one interior), got " + points);
        }
        double[] a = new double[points];
        for (int i = 0; i < points; i++) {
            a[i] = (double) i / (points - 1);
        }
        return a;
    }

    /**
     * (1 - alpha) a + alpha b, parameter by parameter: exactly {@code a} at alpha = 0 and {@code b} at 1.
     * The two maps must hold the same names and shapes (see
     * {@link dev.grokscope.state.State#requireSameArchitecture}).
     */
    public static Map<String, Npy.Array> at(Map<String, Npy.Array> a, Map<String, Npy.Array> b, double alpha) {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        for (Map.Entry<String, Npy.Array> e : a.entrySet()) {
            double[] x = e.getValue().data();
            double[] y = b.get(e.getKey()).data();
            if (x.length != y.length) {
                throw new IllegalArgumentException(e.getKey() + ": " + x.length + " vs " + y.length + " values");
            }
            double[] z = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                z[i] = alpha == 0 ? x[i] : alpha == 1 ? y[i] : (1 - alpha) * x[i] + alpha * y[i];
            }
            out.put(e.getKey(), new Npy.Array(e.getValue().shape(), z));
        }
        return out;
    }

    /** max over interior alpha of values(alpha) minus the chord between the end values. */
    public static double barrier(double[] alphas, List<Double> values) {
        double v0 = values.get(0);
        double v1 = values.get(values.size() - 1);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 1; i < alphas.length - 1; i++) {
            max = Math.max(max, values.get(i) - ((1 - alphas[i]) * v0 + alphas[i] * v1));
        }
        return max;
    }

    /** max over interior alpha of values(alpha) minus the mean of the end values. */
    public static double instability(List<Double> values) {
        double mean = (values.get(0) + values.get(values.size() - 1)) / 2;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 1; i < values.size() - 1; i++) {
            max = Math.max(max, values.get(i) - mean);
        }
        return max;
    }
}
