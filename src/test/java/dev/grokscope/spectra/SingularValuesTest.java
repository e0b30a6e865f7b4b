package dev.grokscope.spectra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SingularValuesTest {

    @Test
    void diagonalGivesItsEntriesDescending() {
        double[][] w = {{1, 0, 0}, {0, 3, 0}, {0, 0, 2}};
        assertArrayEquals(new double[] {3, 2, 1}, SingularValues.of(w), 1e-14);
        assertArrayEquals(new double[] {3, 2, 1}, SingularValues.of(Nd4j.createFromArray(w)), 1e-14);
    }

    /**
     * The shapes where ND4J M2.1's float64 gesvd is reported wrong, plus tall/wide/near-square ones,
     * checked against two independent facts: the energy identity and the top singular value by power
     * iteration in plain Java.
     */
    @ParameterizedTest
    @CsvSource({"512,2048", "256,1024", "400,1600", "2048,512", "128,512", "512,128", "500,194", "97,500", "114,128",
        "3,128"})
    void randomMatricesAgreeWithIndependentChecks(int m, int n) {
        double[][] w = gaussian(m, n, 31L * m + n);
        double[] s = SingularValues.of(w);
        assertEquals(Math.min(m, n), s.length);
        double energy = 0;
        for (double v : s) {
            energy += v * v;
        }
        assertEquals(Matrices.frobeniusSquared(w), energy, 1e-10 * energy, "sum s^2 = ||W||_F^2");
        assertEquals(powerIterationTop(w), s[0], 1e-9 * s[0], "s_1 by power iteration");
    }

    @Test
    void lapackRouteMatchesJacobiRouteOnRankDeficientMatrix() {
        // Rank 5 product: 60 exact zeros, which Gram+syev would blur to ~1e-8 s_max.
        double[][] a = gaussian(90, 5, 7);
        double[][] b = gaussian(5, 65, 8);
        double[][] w = new double[90][65];
        for (int i = 0; i < 90; i++) {
            for (int j = 0; j < 65; j++) {
                for (int r = 0; r < 5; r++) {
                    w[i][j] += a[i][r] * b[r][j];
                }
            }
        }
        double[] lapack = new LapackSvd().values(w);
        double[] jacobi = new JacobiSvd().values(w);
        for (int i = 0; i < lapack.length; i++) {
            assertEquals(jacobi[i], lapack[i], 1e-12 * jacobi[0], "s[" + i + "]");
        }
        assertTrue(lapack[5] < 1e-13 * lapack[0], "rank 5: s_6 must be ~0, got " + lapack[5]);
    }

    @Test
    void verificationCatchesAWrongSpectrumAndFallsBack() {
        double[][] w = gaussian(40, 25, 3);
        SvdRoute wrong = new ScaledRoute(1.1);
        double[] s = SingularValues.of(w, List.of(wrong, new JacobiSvd()));
        assertArrayEquals(new JacobiSvd().values(w), s, 0);
        SpectrumException e = assertThrows(SpectrumException.class,
                () -> SingularValues.of(w, List.of(wrong, new ScaledRoute(0.5))));
        assertTrue(e.getMessage().contains("40x25"), e.getMessage());
        assertTrue(e.getMessage().contains("sum of s^2"), e.getMessage());
    }

    @Test
    void verificationRejectsUnsortedNegativeAndNonFiniteValues() {
        assertThrows(SpectrumException.class, () -> SpectrumCheck.verifyValues(new double[] {1, 2}, 2, 2, 5));
        assertThrows(SpectrumException.class, () -> SpectrumCheck.verifyValues(new double[] {2, -1}, 2, 2, 5));
        assertThrows(SpectrumException.class, () -> SpectrumCheck.verifyValues(new double[] {Double.NaN, 1}, 2, 2, 5));
        assertThrows(SpectrumException.class, () -> SpectrumCheck.verifyValues(new double[] {2}, 2, 2, 4));
        SpectrumCheck.verifyValues(new double[] {2, 1}, 2, 2, 5);
        SpectrumCheck.verifyValues(new double[] {0, 0}, 2, 3, 0);
    }

    @Test
    void fullDecompositionReconstructsTallWideAndSquare() {
        for (int[] shape : new int[][] {{30, 12}, {12, 30}, {20, 20}}) {
            double[][] w = gaussian(shape[0], shape[1], shape[0] * 100 + shape[1]);
            Svd svd = SingularValues.full(w);
            assertEquals(shape[0], svd.rows());
            assertEquals(shape[1], svd.cols());
            SpectrumCheck.verifyFull(svd, w);
            SpectrumCheck.verifyFull(new JacobiSvd().full(w), w);
            assertArrayEquals(SingularValues.of(w), svd.s(), 1e-12 * svd.s()[0]);
        }
    }

    @Test
    void viewsAndFloat32AreHandled() {
        INDArray big = Nd4j.rand(DataType.FLOAT, 10, 8);
        INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 9),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 6));
        double[] fromView = SingularValues.of(view);
        double[] fromCopy = SingularValues.of(view.dup('c').castTo(DataType.DOUBLE).toDoubleMatrix());
        assertArrayEquals(fromCopy, fromView, 1e-12);
        assertEquals(5, fromView.length);
        // DL4J's getParam returns 'f'-order views into the flat parameter vector.
        INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 200);
        INDArray fView = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(20, 140)).reshape('f', 12, 10);
        double[][] expected = new double[12][10];
        for (int i = 0; i < 12; i++) {
            for (int j = 0; j < 10; j++) {
                expected[i][j] = flat.getDouble(0, 20 + i + 12 * j);
            }
        }
        assertArrayEquals(SingularValues.of(expected), SingularValues.of(fView), 1e-12);
    }

    @Test
    void badInputIsRejectedWithTheRule() {
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> SingularValues.of(new double[][] {{1, Double.NaN}}));
        assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
        IllegalArgumentException rank1 = assertThrows(IllegalArgumentException.class,
                () -> SingularValues.of(Nd4j.createFromArray(1.0, 2.0, 3.0)));
        assertTrue(rank1.getMessage().contains("2-D"), rank1.getMessage());
    }

    static double[][] gaussian(int m, int n, long seed) {
        Random random = new Random(seed);
        double[][] w = new double[m][n];
        for (double[] row : w) {
            for (int j = 0; j < n; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return w;
    }

    /** s_1 as sqrt of the top eigenvalue of W^T W (or W W^T), by power iteration in plain Java. */
    static double powerIterationTop(double[][] w) {
        int m = w.length;
        int n = w[0].length;
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1 / Math.sqrt(n));
        double sigma = 0;
        for (int it = 0; it < 20000; it++) {
            double[] u = new double[m];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    u[i] += w[i][j] * v[j];
                }
            }
            double est = Math.sqrt(dot(u, u)); // ||W v|| with ||v|| = 1: Rayleigh quotient of W^T W
            double[] next = new double[n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    next[j] += w[i][j] * u[i];
                }
            }
            double norm = Math.sqrt(dot(next, next));
            for (int j = 0; j < n; j++) {
                v[j] = next[j] / norm;
            }
            if (Math.abs(est - sigma) <= 1e-14 * est) {
                return est;
            }
            sigma = est;
        }
        return sigma;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** A deliberately wrong route: the true values times a factor. */
    private record ScaledRoute(double factor) implements SvdRoute {
        @Override
        public String name() {
            return "scaled-by-" + factor;
        }

        @Override
        public double[] values(double[][] w) {
            double[] s = new JacobiSvd().values(w);
            for (int i = 0; i < s.length; i++) {
                s[i] *= factor;
            }
            return s;
        }

        @Override
        public Svd full(double[][] w) {
            throw new UnsupportedOperationException("values only");
        }
    }
}
