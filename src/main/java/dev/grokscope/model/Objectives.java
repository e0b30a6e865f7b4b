package dev.grokscope.model;

import dev.grokscope.config.Loss;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Data loss and accuracy from a network's outputs, in float64 on the host: the numbers written to
 * metrics.csv. The data loss never includes the weight-decay term (DL4J's {@code score()} does).
 */
public final class Objectives {
    /** What a network's output rows hold. */
    public enum OutputKind {
        /** Softmax probabilities (DL4J's OutputLayer with softmax). */
        PROBABILITIES,
        /** Raw scores: logits for cross-entropy, the regression outputs for MSE. */
        SCORES
    }

    /** Mean data loss and accuracy over a set. */
    public record LossAccuracy(double loss, double accuracy) {
    }

    private Objectives() {
    }

    /**
     * Cross-entropy {@code -mean_i log softmax(o_i)[y_i]}, or for MSE {@code mean_i sum_c (o_ic - [c = y_i])^2}
     * (squared error summed over classes, as Gromov 2023), and accuracy {@code mean_i [argmax o_i = y_i]}
     * (first maximum on ties).
     */
    public static LossAccuracy evaluate(INDArray outputs, int[] labels, Loss loss, OutputKind kind) {
        int n = (int) outputs.rows();
        int c = (int) outputs.columns();
        if (n != labels.length) {
            throw new IllegalArgumentException(n + " output rows for " + labels.length + " labels");
        }
        boolean copy = outputs.isView() || outputs.ordering() != 'c' || outputs.offset() != 0
                || !(outputs.dataType() == DataType.FLOAT || outputs.dataType() == DataType.DOUBLE);
        INDArray rows = copy ? outputs.castTo(outputs.dataType() == DataType.FLOAT ? DataType.FLOAT : DataType.DOUBLE)
                .dup('c') : outputs;
        try {
            // Read the native buffer in place through an NIO view: no copy on the Java heap (a double[] of a
            // large validation set's outputs is a humongous object every evaluation, which made the heap and
            // resident memory grow), and no per-element call through DataBuffer.getDouble (which made the
            // quickstart's evaluation take longer than its training step).
            Row o = rows.dataType() == DataType.FLOAT ? new FloatRow(rows.data().asNioFloat())
                    : new DoubleRow(rows.data().asNioDouble());
            double total = 0;
            long correct = 0;
            for (int i = 0; i < n; i++) {
                int base = i * c;
                int arg = 0;
                double max = o.get(base);
                for (int j = 1; j < c; j++) {
                    double v = o.get(base + j);
                    if (v > max) {
                        max = v;
                        arg = j;
                    }
                }
                if (arg == labels[i]) {
                    correct++;
                }
                total += switch (loss) {
                    case CROSS_ENTROPY -> kind == OutputKind.PROBABILITIES
                            ? -Math.log(Math.max(o.get(base + labels[i]), Double.MIN_NORMAL))
                            : logSumExp(o, base, c, max) - o.get(base + labels[i]);
                    case MSE -> {
                        double s = 0;
                        for (int j = 0; j < c; j++) {
                            double d = o.get(base + j) - (j == labels[i] ? 1 : 0);
                            s += d * d;
                        }
                        yield s;
                    }
                };
            }
            return new LossAccuracy(total / n, (double) correct / n);
        } finally {
            if (copy) {
                rows.close();
            }
        }
    }

    /** Element {@code i} of a float or double buffer, as a double. */
    private interface Row {
        double get(int i);
    }

    private record FloatRow(java.nio.FloatBuffer b) implements Row {
        @Override
        public double get(int i) {
            return b.get(i);
        }
    }

    private record DoubleRow(java.nio.DoubleBuffer b) implements Row {
        @Override
        public double get(int i) {
            return b.get(i);
        }
    }

    private static double logSumExp(Row o, int base, int c, double max) {
        double s = 0;
        for (int j = 0; j < c; j++) {
            s += Math.exp(o.get(base + j) - max);
        }
        return max + Math.log(s);
    }
}
