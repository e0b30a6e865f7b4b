package dev.grokscope.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code x^T delta} for a one-hot x given by its token rows: each row of {@code delta} added to the rows of
 * the result its tokens name, in row order. The gradient of a one-hot input layer (MlpKernel: tokens a
 * and p + b; TransformerKernel: the embedding's token per row). A loop over array copies of the native
 * buffers: the dense product reads the whole one-hot matrix, and M2.1's {@code unsorted_segment_sum} op
 * leaked a copy of its input (~9 MB per call on the quickstart). The copies are kept for the next call.
 */
final class RowScatter {
    private float[] in32 = new float[0];
    private float[] out32 = new float[0];
    private double[] in64 = new double[0];
    private double[] out64 = new double[0];

    /**
     * {@code into = 0}, then for every row r of {@code delta} and every token array {@code t} in order,
     * {@code into[t[r]] += delta[r]}; float32 or float64 arithmetic as the arrays are.
     */
    void scatterAdd(INDArray delta, INDArray into, int[]... tokens) {
        INDArray src = delta.ordering() == 'c' && delta.elementWiseStride() == 1 ? delta : delta.dup('c');
        int rows = (int) src.rows();
        int w = (int) src.columns();
        int size = rows * w;
        int outSize = (int) into.length();
        if (into.ordering() != 'c' || into.elementWiseStride() != 1) {
            throw new IllegalArgumentException("the result must be a contiguous c-order array");
        }
        if (src.dataType() == DataType.DOUBLE) {
            if (in64.length < size) {
                in64 = new double[size];
            }
            if (out64.length < outSize) {
                out64 = new double[outSize];
            }
            double[] in = in64;
            double[] out = out64;
            nioDoubles(src).position((int) src.offset()).get(in, 0, size);
            java.util.Arrays.fill(out, 0, outSize, 0);
            for (int r = 0; r < rows; r++) {
                int from = r * w;
                for (int[] t : tokens) {
                    int to = t[r] * w;
                    for (int c = 0; c < w; c++) {
                        out[to + c] += in[from + c];
                    }
                }
            }
            nioDoubles(into).position((int) into.offset()).put(out, 0, outSize);
        } else {
            if (in32.length < size) {
                in32 = new float[size];
            }
            if (out32.length < outSize) {
                out32 = new float[outSize];
            }
            float[] in = in32;
            float[] out = out32;
            nioFloats(src).position((int) src.offset()).get(in, 0, size);
            java.util.Arrays.fill(out, 0, outSize, 0);
            for (int r = 0; r < rows; r++) {
                int from = r * w;
                for (int[] t : tokens) {
                    int to = t[r] * w;
                    for (int c = 0; c < w; c++) {
                        out[to + c] += in[from + c];
                    }
                }
            }
            nioFloats(into).position((int) into.offset()).put(out, 0, outSize);
        }
    }

    private static java.nio.DoubleBuffer nioDoubles(INDArray x) {
        return x.data().asNio().order(java.nio.ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    private static java.nio.FloatBuffer nioFloats(INDArray x) {
        return x.data().asNio().order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
