package dev.grokscope.intervene;

import dev.grokscope.results.Npy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AverageTest {
    private static Map<String, Npy.Array> vector(double... v) {
        return Map.of("theta", new Npy.Array(new int[] {v.length}, v));
    }

    @Test
    void averageOfIdenticalStatesIsTheState() {
        Random rng = new Random(1);
        double[] v = new double[101];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian() * Math.exp(rng.nextGaussian() * 5);
        }
        for (int n : new int[] {2, 3, 7}) {
            List<Map<String, Npy.Array>> same = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                same.add(vector(v.clone()));
            }
            assertArrayEquals(v, Average.uniform(same).get("theta").data(), 0.0, "n = " + n);
        }
    }

    @Test
    void uniformAverageIsTheMean() {
        assertArrayEquals(new double[] {2, -1}, Average.uniform(List.of(vector(1, 0), vector(2, -4), vector(3, 1)))
                .get("theta").data(), 1e-15);
    }

    /**
     * Held-out score = -|mean - 1|: ingredients at 1.2 and 0.8 help the best (1.1) when averaged in;
     * the one at 5 would pull the soup away and must be left out, whatever its position.
     */
    @Test
    void greedySoupKeepsOnlyIngredientsThatHelp() {
        List<Map<String, Npy.Array>> ingredients = List.of(vector(5.0), vector(1.1), vector(0.8), vector(1.2));
        Average.Soup soup = Average.greedy(ingredients, p -> -Math.abs(p.get("theta").data()[0] - 1.0));
        assertEquals(List.of(1, 2, 3, 0), soup.order(), "tried by descending held-out score");
        // 1.1 alone: -0.1; with 0.8: mean .95 -> -0.05 (kept); with 1.2: mean 1.0333 -> -0.0333 (kept); with 5: worse
        assertEquals(List.of(1, 2, 3), soup.kept());
        assertEquals((1.1 + 0.8 + 1.2) / 3, soup.soup().get("theta").data()[0], 1e-15);
        assertEquals(-Math.abs((1.1 + 0.8 + 1.2) / 3 - 1), soup.soupScore(), 1e-15);
    }

    @Test
    void greedySoupRefusesAnIngredientThatOnlyTies() {
        // the second equals the first: the average is unchanged, so the score does not strictly improve
        Average.Soup soup = Average.greedy(List.of(vector(2.0), vector(2.0)), p -> -Math.abs(p.get("theta").data()[0]));
        assertEquals(List.of(0), soup.kept());
    }
}
