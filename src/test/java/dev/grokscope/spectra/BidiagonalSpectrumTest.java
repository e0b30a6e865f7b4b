package dev.grokscope.spectra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bidiagonal route itself (not through its fallbacks): every value to 1e-12 s_1 and the leading
 * vectors of Jacobi's exact SVD, for both orientations of the reduction (upper and lower bidiagonal),
 * square matrices, and spectra whose small end the Gram route cannot resolve.
 */
class BidiagonalSpectrumTest {
    @ParameterizedTest
    @CsvSource({"128,128,1", "114,128,2", "128,113,3", "40,55,4", "55,40,5", "12,12,6", "3,4,7"})
    void gaussianMatricesOfEitherOrientation(int m, int n, long seed) {
        check(SingularValuesTest.gaussian(m, n, seed));
    }

    @Test
    void valuesFarBelowTheGramRoutesReachAreExact() {
        double[][] w = SingularValuesTest.gaussian(60, 60, 9);
        for (int i = 0; i < 60; i++) {
            for (int j = 0; j < 60; j++) {
                w[i][j] *= Math.pow(1e-9, j / 59.0); // column scales from 1 down to 1e-9
            }
        }
        Spectrum s = check(w);
        assertTrue(s.values()[59] < 1e-6 * s.values()[0], "the test needs values below the Gram route's 1e-3 s_1");
    }

    @Test
    void aRankDeficientMatrixHasExactZeros() {
        double[][] x = SingularValuesTest.gaussian(50, 12, 10);
        double[][] y = SingularValuesTest.gaussian(12, 45, 11);
        double[][] w = new double[50][45];
        for (int i = 0; i < 50; i++) {
            for (int j = 0; j < 45; j++) {
                for (int q = 0; q < 12; q++) {
                    w[i][j] += x[i][q] * y[q][j];
                }
            }
        }
        Spectrum s = check(w);
        assertTrue(s.values()[12] < 1e-13 * s.values()[0], "rank 12: s_13 must be ~0, got " + s.values()[12]);
    }

    private static Spectrum check(double[][] w) {
        int m = w.length;
        int n = w[0].length;
        double[] a = Matrices.flatten(w);
        Spectrum s = BidiagonalSpectrum.of(a, m, n, VectorAgreement.DEFAULT_K, Matrices.frobeniusSquared(w));
        Svd exact = new JacobiSvd().full(w);
        int k = Math.min(m, n);
        assertEquals(k, s.values().length);
        for (int i = 0; i < k; i++) {
            assertEquals(exact.s()[i], s.values()[i], 1e-12 * exact.s()[0], m + "x" + n + " s[" + i + "]");
        }
        int t = Math.min(VectorAgreement.DEFAULT_K, k);
        assertEquals(t, s.top().rank());
        int defined = 0; // separated leading values: their vectors are unique up to sign
        while (defined < t && exact.s()[defined] > 1e-8 * exact.s()[0]
                && (defined + 1 >= k || exact.s()[defined] - exact.s()[defined + 1] > 1e-6 * exact.s()[0])) {
            defined++;
        }
        assertTrue(defined > 0, m + "x" + n + ": no separated leading value to compare");
        assertTrue(VectorAgreement.singularVectorAgreement(s.top(), exact, defined) > 1 - 1e-9,
                m + "x" + n + ": leading vectors agree with Jacobi's");
        return s;
    }
}
