package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pruned fit against the straightforward WWFit transcription, and its degenerate cases. */
class PowerLawFitTest {

    @Test
    void prunedFitEqualsNaiveFitOnManySpectra() {
        Random random = new Random(17);
        int compared = 0;
        for (int trial = 0; trial < 60; trial++) {
            int n = 2 + random.nextInt(400);
            double[] ev = new double[n];
            int kind = trial % 4;
            for (int i = 0; i < n; i++) {
                double u = 1 - random.nextDouble();
                ev[i] = switch (kind) {
                    case 0 -> Math.pow(u, -1 / (0.5 + 3 * random.nextDouble() + 0.1)); // Pareto tails
                    case 1 -> Math.pow(random.nextGaussian(), 2) * 3; // chi-square-like bulk
                    case 2 -> Math.floor(u * 8) + 1; // many exact ties
                    default -> Math.exp(4 * random.nextGaussian()); // log-normal, some below the threshold
                };
            }
            double[] naive = SpectraBenchmark.naiveFit(ev);
            PowerLawFit fit = PowerLawFit.fit(ev);
            if (fit.degenerate()) {
                continue;
            }
            compared++;
            String where = "trial " + trial + " (kind " + kind + ", N=" + n + ")";
            assertEquals(naive[1], fit.xmin(), 0, where + ": xmin");
            assertEquals(naive[0], fit.alpha(), 1e-9 * naive[0], where + ": alpha");
            assertEquals(naive[2], fit.ksDistance(), 1e-12, where + ": D");
            assertEquals(naive[3], fit.sigma(), 1e-9 * Math.abs(naive[3]), where + ": sigma");
        }
        assertTrue(compared >= 40, "only " + compared + " of 60 spectra were fitted");
    }

    @Test
    void exactPowerLawSampleRecoversItsExponent() {
        // Quantiles of a Pareto(xmin = 1, alpha = 3) density: x_j = (1 - q_j)^(-1 / (alpha - 1)).
        int n = 2000;
        double[] ev = new double[n];
        for (int j = 0; j < n; j++) {
            ev[j] = Math.pow(1 - (j + 0.5) / n, -1 / 2.0);
        }
        PowerLawFit fit = PowerLawFit.fit(ev);
        assertFalse(fit.degenerate());
        assertEquals(3.0, fit.alpha(), 0.1);
        assertTrue(fit.ksDistance() < 0.02, "D = " + fit.ksDistance());
    }

    @Test
    void tiesAndTooFewEigenvaluesAreFlaggedNotFitted() {
        double[] ties = new double[64];
        for (int i = 0; i < ties.length; i++) {
            ties[i] = 1 + 1e-15 * i;
        }
        PowerLawFit orthogonal = PowerLawFit.fit(ties);
        assertTrue(orthogonal.degenerate(), orthogonal.note());
        assertTrue(Double.isNaN(orthogonal.alpha()));
        assertTrue(PowerLawFit.fit(new double[] {5, 1e-7, 0}).degenerate());
        assertTrue(PowerLawFit.fit(new double[0]).degenerate());
        assertThrows(IllegalArgumentException.class, () -> PowerLawFit.fit(new double[] {1, Double.NaN}));
    }

    /**
     * The fit's cost in power evaluations (a deterministic count, not a time): WeightWatcher's loop
     * evaluates N(N-1)/2 + N - 1 of them; this fit stays within 4 log2 N per candidate on a heavy tail,
     * a Marchenko-Pastur-like bulk and the exact quantiles of a power law, with the naive loop's result.
     */
    @Test
    void evaluatesAFewPowersPerCandidateNotTheWholeTail() {
        Random r = new Random(11);
        int n = 4096;
        double[] pareto = new double[n];
        double[] bulk = new double[n];
        double[] quantiles = new double[n];
        for (int i = 0; i < n; i++) {
            pareto[i] = Math.pow(1 - r.nextDouble(), -1 / 2.5);
            double g = r.nextGaussian();
            bulk[i] = 1 + 0.5 * g * g + r.nextDouble(); // a smooth bulk without a tail
            quantiles[i] = Math.pow(1 - (i + 0.5) / n, -1 / 2.0);
        }
        double log2n = Math.log(n) / Math.log(2);
        for (double[] ev : new double[][] {pareto, bulk, quantiles}) {
            long[] powers = {0};
            PowerLawFit fit = PowerLawFit.fit(ev, powers);
            double[] naive = SpectraBenchmark.naiveFit(ev);
            assertEquals(naive[1], fit.xmin(), 0, "same xmin as WeightWatcher's loop");
            assertEquals(naive[0], fit.alpha(), 1e-12 * naive[0]);
            assertTrue(powers[0] <= 4 * log2n * (n - 1), powers[0] + " powers for N = " + n + " (WeightWatcher: "
                    + ((long) n * (n - 1) / 2 + n - 1) + ")");
        }
    }
}
