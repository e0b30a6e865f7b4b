package dev.grokscope.spectra;

/**
 * What a snapshot needs of one m x n matrix: every singular value and the leading singular triplets.
 *
 * @param values all k = min(m, n) singular values, descending, verified ({@link SpectrumCheck#verifyValues})
 * @param top the leading t = min(requested, k) triplets (U m x t, s_1..s_t, V n x t), verified
 *     ({@link SpectrumCheck#verifyTop})
 */
public record Spectrum(double[] values, Svd top) {
    public Spectrum {
        if (top.rank() > values.length) {
            throw new IllegalArgumentException("Spectrum: " + top.rank() + " leading triplets but only " + values.length
                    + " singular values");
        }
    }

    /** Number of rows m of the matrix. */
    public int rows() {
        return top.rows();
    }

    /** Number of columns n of the matrix. */
    public int cols() {
        return top.cols();
    }
}
