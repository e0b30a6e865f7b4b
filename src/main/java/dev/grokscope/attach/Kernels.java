package dev.grokscope.attach;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Weight tensors as the matrices whose spectra are recorded, all fan_in x fan_out like a dense layer's
 * W (h = x W).
 *
 * <p>Convolution kernels are analysed as one reshaped matrix per layer, (input channels x kernel
 * positions) x output channels: a DL4J kernel [out, in, kh, kw] (Conv1D [out, in, k], Conv3D
 * [out, in, kd, kh, kw]) becomes (in kh kw) x out, the matrix that maps an unrolled input patch (im2col)
 * to the output channels; a SameDiff kernel [kh, kw, in, out] becomes (kh kw in) x out. This is
 * WeightWatcher's reshaped-matrix option; its default instead analyses the kh kw per-position slices
 * (in x out each) and pools their eigenvalues, which would give a layer kh kw spectra (or one pooled
 * ESD that is no matrix's) where the run directory holds one spectrum per name. Rows are permuted
 * relative to one another between the two layouts, which leaves the singular values unchanged.
 */
final class Kernels {
    private Kernels() {
    }

    /** A DL4J weight of rank >= 2 ([out, in, k...] for kernels) as a fresh fan_in x fan_out matrix. */
    static INDArray dl4j(INDArray w) {
        if (w.rank() == 2) {
            return w.dup('c');
        }
        long out = w.size(0);
        long rest = w.length() / out;
        return w.dup('c').reshape('c', out, rest).transpose().dup('c');
    }

    /** A SameDiff variable of rank >= 2 ([..., out] for kernels) as a fresh (prod of leading dims) x out matrix. */
    static INDArray sameDiff(INDArray w) {
        if (w.rank() == 2) {
            return w.dup('c');
        }
        long[] shape = w.shape();
        long out = shape[shape.length - 1];
        return w.dup('c').reshape('c', w.length() / out, out);
    }

    /** Whether an array is a weight matrix candidate: rank >= 2 with at least 1 entry. */
    static boolean isMatrix(INDArray w) {
        return w != null && w.rank() >= 2 && w.length() > 0 && Arrays.stream(w.shape()).allMatch(d -> d > 0);
    }
}
