package dev.grokscope.snapshot;

import dev.grokscope.spectra.SpectralMetrics;
import dev.grokscope.spectra.Spectrum;

/**
 * One weight matrix of an analysed snapshot.
 *
 * @param name the matrix's stable name ({@code layers.0.W}, {@code dense_1.W})
 * @param spectrum every singular value and the leading {@value VectorDynamics#K} triplets, verified
 * @param metrics the spectral metrics of its singular values
 * @param svaPrev singular-vector agreement with the same matrix in the previous snapshot, or null (first)
 * @param alignNext alignment with the next matrix of its chain, or null (none)
 */
public record AnalysedMatrix(String name, Spectrum spectrum, SpectralMetrics metrics, Double svaPrev,
                             Double alignNext) {
    /** Number of rows m. */
    public int rows() {
        return spectrum.rows();
    }

    /** Number of columns n. */
    public int cols() {
        return spectrum.cols();
    }

    /** All min(m, n) singular values, descending. */
    public double[] singularValues() {
        return spectrum.values();
    }
}
