package dev.grokscope.spectra;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MarchenkoPasturTest {

    /** N x M Gaussian noise (entries variance 1/N) plus {@code spikes} rank-one terms of strength {@code theta}. */
    private static double[] eigenvalues(int bigN, int m, int spikes, double theta, long seed) {
        Random r = new Random(seed);
        double[][] w = new double[bigN][m];
        for (double[] row : w) {
            for (int j = 0; j < m; j++) {
                row[j] = r.nextGaussian() / Math.sqrt(bigN);
            }
        }
        for (int s = 0; s < spikes; s++) {
            // theta u v^T with orthonormal-ish random directions (distinct coordinates keep them orthogonal)
            for (int i = s; i < bigN; i += spikes) {
                w[i][s] += theta / Math.sqrt((bigN - s + spikes - 1) / spikes);
            }
        }
        double[] sv = SingularValues.of(w);
        double[] lambda = new double[sv.length];
        for (int i = 0; i < sv.length; i++) {
            lambda[i] = sv[i] * sv[i];
        }
        return lambda;
    }

    @Test
    void pureNoiseHasItsEdgeAndNoSpikes() {
        int bigN = 800;
        int m = 200;
        double[] lambda = eigenvalues(bigN, m, 0, 0, 1);
        MarchenkoPastur mp = MarchenkoPastur.fit(lambda, bigN, m);
        assertEquals(4.0, mp.q(), 0);
        assertEquals(1.0, mp.sigma(), 1e-12); // the first step is the fixed point
        double max = java.util.Arrays.stream(lambda).max().orElseThrow();
        double sum = java.util.Arrays.stream(lambda).sum();
        // edge in lambda's units: (mean lambda) (1 + 1/2)^2; the largest eigenvalue sits at it (TW scale)
        assertEquals(sum / m * 2.25, mp.bulkMax(), 1e-12);
        assertEquals(sum / m * 0.25, mp.bulkMin(), 1e-12);
        assertEquals(0, mp.numSpikes());
        assertEquals(1.0, mp.softRank(), 0.05);
        assertTrue(max < mp.bulkMax() * 1.05, "largest eigenvalue " + max + " vs edge " + mp.bulkMax());
    }

    @Test
    void spikesAboveTheEdgeAreCounted() {
        int bigN = 800;
        int m = 200;
        double[] lambda = eigenvalues(bigN, m, 3, 4.0, 2); // eigenvalue ~ theta^2 (1 + ...) = ~16 >> edge 2.25
        MarchenkoPastur mp = MarchenkoPastur.fit(lambda, bigN, m);
        assertEquals(3, mp.numSpikes());
        // the bulk's scale excludes the spikes: close to the noise's (the spikes raise the mean by ~25%)
        double noiseEdge = 2.25; // entries variance 1/N: eigenvalues of W^T W fill (1 -+ 1/2)^2
        assertEquals(noiseEdge, mp.bulkMax(), 0.1 * noiseEdge);
        assertTrue(mp.softRank() < 0.2, "mp_softrank " + mp.softRank());
    }

    @Test
    void zeroMatrixIsUndefined() {
        MarchenkoPastur mp = MarchenkoPastur.fit(new double[] {0, 0, 0}, 4, 3);
        assertTrue(Double.isNaN(mp.sigma()) && Double.isNaN(mp.bulkMax()) && Double.isNaN(mp.softRank()));
        assertEquals(0, mp.numSpikes());
    }
}
