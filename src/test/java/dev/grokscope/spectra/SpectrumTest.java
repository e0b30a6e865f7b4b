package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The snapshot route (Gram + dgesdd) against the pure-Java Jacobi SVD, on every branch it can take. */
class SpectrumTest {
    @ParameterizedTest
    @CsvSource({"194,500,1", "500,97,2", "128,128,3", "3,128,4", "40,7,5"})
    void valuesAndLeadingVectorsMatchJacobi(int m, int n, long seed) {
        double[][] w = SingularValuesTest.gaussian(m, n, seed);
        check(w);
    }

    @Test
    void lowRankMatrixTakesTheExactRoute() {
        double[][] x = SingularValuesTest.gaussian(60, 3, 7);
        double[][] y = SingularValuesTest.gaussian(3, 90, 8);
        double[][] w = new double[60][90];
        for (int i = 0; i < 60; i++) {
            for (int j = 0; j < 90; j++) {
                for (int q = 0; q < 3; q++) {
                    w[i][j] += x[i][q] * y[q][j];
                }
            }
        }
        Spectrum s = check(w);
        assertTrue(s.values()[3] < 1e-13 * s.values()[0], "rank 3: s_4 must be ~0, got " + s.values()[3]);
        assertEquals(3, SpectralMetrics.of(s.values(), 60, 90).matrixRank());
    }

    @Test
    void illConditionedButFullRankKeepsSmallValuesExact() {
        double[][] w = SingularValuesTest.gaussian(50, 80, 9);
        for (int i = 0; i < 50; i++) {
            for (int j = 0; j < 80; j++) {
                w[i][j] *= Math.pow(1e-7, i / 49.0); // row scales from 1 down to 1e-7
            }
        }
        check(w);
    }

    @Test
    void snapshotsOfOneShapeReuseWorkArraysWithoutSharingResults() {
        // Full rank (Gram values) and rank 3 (dgesdd values), float64 and float32, through the INDArray
        // entry point that snapshots use: each result must stay what it was when the next one reuses the
        // thread's work arrays, and equal the double[][] route's.
        double[][] full = SingularValuesTest.gaussian(60, 90, 11);
        double[][] low = new double[60][90];
        double[][] x = SingularValuesTest.gaussian(60, 3, 12);
        double[][] y = SingularValuesTest.gaussian(3, 90, 13);
        for (int i = 0; i < 60; i++) {
            for (int j = 0; j < 90; j++) {
                for (int q = 0; q < 3; q++) {
                    low[i][j] += x[i][q] * y[q][j];
                }
            }
        }
        var a = SingularValues.spectrum(org.nd4j.linalg.factory.Nd4j.create(full), 5);
        double[] aValues = a.values().clone();
        double[][] aU = a.top().u().clone();
        aU = java.util.Arrays.stream(aU).map(double[]::clone).toArray(double[][]::new);
        var b = SingularValues.spectrum(org.nd4j.linalg.factory.Nd4j.create(low), 5);
        var c = SingularValues.spectrum(org.nd4j.linalg.factory.Nd4j.create(full)
                .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT), 5);

        org.junit.jupiter.api.Assertions.assertArrayEquals(aValues, a.values(), 0.0);
        for (int i = 0; i < aU.length; i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(aU[i], a.top().u()[i], 0.0);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(SingularValues.spectrum(full, 5).values(), a.values(),
                1e-12 * aValues[0]);
        org.junit.jupiter.api.Assertions.assertArrayEquals(SingularValues.spectrum(low, 5).values(), b.values(),
                1e-12 * b.values()[0]);
        assertTrue(b.values()[3] < 1e-13 * b.values()[0], "rank 3: s_4 must be ~0, got " + b.values()[3]);
        // float32 entries: the values of the rounded matrix, close to the float64 ones
        org.junit.jupiter.api.Assertions.assertArrayEquals(aValues, c.values(), 1e-6 * aValues[0]);
    }

    @Test
    void verificationRejectsTripletsThatAreNotSingular() {
        double[][] w = SingularValuesTest.gaussian(30, 20, 10);
        Svd top = SingularValues.spectrum(w, 5).top();
        double[] wrong = top.s().clone();
        wrong[2] *= 1.01;
        SpectrumException e = assertThrows(SpectrumException.class,
                () -> SpectrumCheck.verifyTop(new Svd(top.u(), wrong, top.v()), w));
        assertTrue(e.getMessage().contains("triplet 2"), e.getMessage());
    }

    private static Spectrum check(double[][] w) {
        Spectrum s = SingularValues.spectrum(w, VectorAgreement.DEFAULT_K);
        Svd exact = new JacobiSvd().full(w);
        int k = Math.min(w.length, w[0].length);
        assertEquals(k, s.values().length);
        for (int i = 0; i < k; i++) {
            assertEquals(exact.s()[i], s.values()[i], 1e-12 * exact.s()[0], "s[" + i + "]");
        }
        int t = Math.min(VectorAgreement.DEFAULT_K, k);
        assertEquals(t, s.top().rank());
        int defined = 0; // triplets of non-zero, separated singular values are unique up to sign
        while (defined < t && exact.s()[defined] > 1e-8 * exact.s()[0]) {
            defined++;
        }
        if (defined > 0) {
            assertTrue(VectorAgreement.singularVectorAgreement(s.top(), exact, defined) > 1 - 1e-9,
                    "leading vectors agree with Jacobi's");
        }
        SpectrumCheck.verifyTop(s.top(), w);
        return s;
    }
}
