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
}
