package dev.grokscope.model;

import dev.grokscope.config.Loss;
import org.nd4j.linalg.api.buffer.DataBuffer;
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
        boolean copy = outputs.isView() || outputs.ordering() != 'c';
        INDArray rows = copy ? outputs.dup('c') : outputs;
        try {
            // Read the native buffer in place: a double[] copy of a large validation set's outputs is a
            // humongous Java object every evaluation, which made the heap (and resident memory) grow.
            DataBuffer o = rows.data();
            long off = rows.offset();
            double total = 0;
            long correct = 0;
            for (int i = 0; i < n; i++) {
                long base = off + (long) i * c;
                int arg = 0;
                double max = o.getDouble(base);
                for (int j = 1; j < c; j++) {
                    double v = o.getDouble(base + j);
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
                            ? -Math.log(Math.max(o.getDouble(base + labels[i]), Double.MIN_NORMAL))
                            : logSumExp(o, base, c, max) - o.getDouble(base + labels[i]);
                    case MSE -> {
                        double s = 0;
                        for (int j = 0; j < c; j++) {
                            double d = o.getDouble(base + j) - (j == labels[i] ? 1 : 0);
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

    private static double logSumExp(DataBuffer o, long base, int c, double max) {
        double s = 0;
        for (int j = 0; j < c; j++) {
            s += Math.exp(o.getDouble(base + j) - max);
        }
        return max + Math.log(s);
    }
}
