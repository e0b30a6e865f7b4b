package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The primary (ND4J/LAPACK) route on its own, without the fallback that would hide its failure from
 * {@link SingularValuesTest}: values and full decompositions must pass verification on tall, wide and
 * square shapes, including those where ND4J M2.1's direct float64 gesvd is reported wrong.
 */
class LapackSvdTest {

    @ParameterizedTest
    @CsvSource({"512,2048", "256,1024", "400,1600", "500,194", "97,500", "3,128", "64,64"})
    void valuesPassVerificationWithoutFallback(int m, int n) {
        double[][] w = SingularValuesTest.gaussian(m, n, 1000L * m + n);
        double[] s = new LapackSvd().values(w);
        SpectrumCheck.verifyValues(s, m, n, Matrices.frobeniusSquared(w));
        // the direct route (the first one SingularValues tries) on the same matrix: k values, verified,
        // equal to the QR route's
        double[] direct = new LapackSvd(true).values(w);
        SpectrumCheck.verifyValues(direct, m, n, Matrices.frobeniusSquared(w));
        for (int i = 0; i < s.length; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(s[i], direct[i], 1e-10 * s[0]);
        }
    }

    @ParameterizedTest
    @CsvSource({"200,80", "80,200", "114,128", "50,50"})
    void fullDecompositionPassesVerificationAndMatchesJacobi(int m, int n) {
        double[][] w = SingularValuesTest.gaussian(m, n, 7L * m + n);
        Svd lapack = new LapackSvd().full(w);
        SpectrumCheck.verifyFull(lapack, w);
        double[] jacobi = new JacobiSvd().values(w);
        for (int i = 0; i < jacobi.length; i++) {
            assertEquals(jacobi[i], lapack.s()[i], 1e-12 * jacobi[0], "s[" + i + "]");
        }
    }

    @Test
    void rankDeficientFullDecompositionsPassVerification() {
        double[][] a = SingularValuesTest.gaussian(70, 4, 21);
        double[][] b = SingularValuesTest.gaussian(4, 40, 22);
        double[][] w = new double[70][40];
        for (int i = 0; i < 70; i++) {
            for (int j = 0; j < 40; j++) {
                for (int r = 0; r < 4; r++) {
                    w[i][j] += a[i][r] * b[r][j];
                }
            }
        }
        SpectrumCheck.verifyFull(new LapackSvd().full(w), w);
        SpectrumCheck.verifyFull(new JacobiSvd().full(w), w);
        double[][] wide = Matrices.transpose(w);
        SpectrumCheck.verifyFull(new LapackSvd().full(wide), wide);
        SpectrumCheck.verifyFull(new JacobiSvd().full(wide), wide);
    }
}
