package dev.grokscope.model;

import dev.grokscope.config.Activation;
import dev.grokscope.config.DataSpec;
import dev.grokscope.config.Loss;
import dev.grokscope.config.OptimizerSpec;
import dev.grokscope.config.Seeds;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.config.TransformerSpec;
import dev.grokscope.config.TransformerSpec.Norm;
import dev.grokscope.config.TransformerSpec.Positional;
import dev.grokscope.data.Operation;
import dev.grokscope.data.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformerTest {
    private static final TrainingSpec DOUBLE = new TrainingSpec(10, 0, 1, TrainingSpec.DType.FLOAT64, false);
    private static final TrainingSpec FLOAT = new TrainingSpec(10, 0, 1, TrainingSpec.DType.FLOAT32, false);

    static OptimizerSpec adamw(double lr, double wd, boolean decayBiases) {
        return new OptimizerSpec(OptimizerSpec.Type.ADAMW, lr, 0.9, 0.98, 1e-8, wd, decayBiases, 0.9, 0);
    }

    static TransformerSpec tiny(int layers, Norm norm, Activation act, boolean bias, Positional pos) {
        return new TransformerSpec(layers, 8, 2, 4, 16, act, norm, bias, pos, 1.0, Loss.CROSS_ENTROPY, 1.0);
    }

    static INDArray oneHot(int[] labels, int p, DataType t) {
        INDArray y = Nd4j.zeros(t, labels.length, p);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }

    /** A batch of the first {@code n} training pairs of (a + b) mod p: features and one-hot targets. */
    static INDArray[] batch(Transformer t, int p, int n, DataType dt) {
        Split s = Split.of(new DataSpec(p, Operation.ADD, 0.5, false), Seeds.of(1));
        INDArray x = t.features(s.train());
        int[] labels = s.train().labels();
        if (n < labels.length) {
            x = x.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup();
            labels = java.util.Arrays.copyOf(labels, n);
        }
        return new INDArray[] {x, oneHot(labels, p, dt)};
    }

    static Stream<Arguments> layerOptions() {
        List<Arguments> a = new ArrayList<>();
        for (Norm n : Norm.values()) {
            a.add(Arguments.of(1, n, Activation.RELU, true, Positional.LEARNED));
        }
        a.add(Arguments.of(1, Norm.OFF, Activation.GELU, true, Positional.LEARNED));
        a.add(Arguments.of(1, Norm.PRE, Activation.GELU, false, Positional.SINUSOIDAL));
        a.add(Arguments.of(2, Norm.POST, Activation.GELU, false, Positional.SINUSOIDAL));
        a.add(Arguments.of(2, Norm.PRE, Activation.RELU, true, Positional.LEARNED));
        a.add(Arguments.of(2, Norm.OFF, Activation.RELU, false, Positional.LEARNED));
        return a.stream();
    }

    @ParameterizedTest
    @MethodSource("layerOptions")
    void gradientsMatchFiniteDifferences(int layers, Norm norm, Activation act, boolean bias, Positional pos) {
        int p = 5;
        Transformer t = Transformer.build(tiny(layers, norm, act, bias, pos), p, adamw(1e-3, 0, true), DOUBLE, 7);
        INDArray[] b = batch(t, p, 6, DataType.DOUBLE);
        boolean ok = finiteDifferencesAgree(t, b[0], b[1]);
        assertTrue(ok, layers + " layers, " + norm + ", " + act + ", bias " + bias + ", " + pos);
    }

    /**
     * Central differences {@code (L(w + e) - L(w - e)) / 2e}, e = 1e-6, against the analytic gradient for
     * about 16 entries of every parameter. (GradCheckUtil cannot be used: it insists on gradients for the
     * placeholders.) Pass: relative error below 1e-5, or both below 1e-9 in absolute value.
     */
    static boolean finiteDifferencesAgree(Transformer t, INDArray x, INDArray y) {
        Map<String, INDArray> analytic = new java.util.HashMap<>();
        t.gradients(x, y).forEach((k, v) -> analytic.put(k, v.dup()));
        double eps = 1e-6;
        boolean ok = true;
        for (Map.Entry<String, INDArray> e : t.parameters().entrySet()) {
            INDArray w = e.getValue();
            INDArray g = analytic.get(e.getKey()).reshape(w.length());
            INDArray flat = w.reshape(w.length());
            long stride = Math.max(1, w.length() / 16); // 16 entries or so per parameter keep it fast
            for (long i = 0; i < w.length(); i += stride) {
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + eps);
                double up = t.loss(x, y);
                flat.putScalar(i, orig - eps);
                double down = t.loss(x, y);
                flat.putScalar(i, orig);
                double numeric = (up - down) / (2 * eps);
                double a = g.getDouble(i);
                double rel = Math.abs(a - numeric) / Math.max(1e-300, Math.abs(a) + Math.abs(numeric));
                if (rel > 1e-5 && Math.abs(a - numeric) > 1e-9) {
                    System.err.println(e.getKey() + "[" + i + "]: analytic " + a + ", numeric " + numeric);
                    ok = false;
                }
            }
        }
        return ok;
    }

    @ParameterizedTest
    @MethodSource("layerOptions")
    void lastPositionShortcutEqualsFullComputation(int layers, Norm norm, Activation act, boolean bias, Positional pos) {
        if (layers != 1) {
            return;
        }
        int p = 7;
        TransformerSpec spec = tiny(1, norm, act, bias, pos);
        Transformer fast = Transformer.build(spec, p, adamw(1e-3, 1, true), DOUBLE, 11, true);
        Transformer full = Transformer.build(spec, p, adamw(1e-3, 1, true), DOUBLE, 11, false);
        assertEquals(full.parameterNames(), fast.parameterNames());
        INDArray[] b = batch(fast, p, 20, DataType.DOUBLE);
        assertEquals(full.loss(b[0], b[1]), fast.loss(b[0], b[1]), 1e-12);
        Map<String, INDArray> gFast = fast.gradients(b[0], b[1]);
        Map<String, INDArray> gFull = full.gradients(b[0], b[1]);
        for (String name : full.parameterNames()) {
            double err = gFast.get(name).sub(gFull.get(name)).norm2Number().doubleValue();
            assertTrue(err <= 1e-12 * Math.max(1, gFull.get(name).norm2Number().doubleValue()), name + ": " + err);
        }
        assertTrue(fast.output(b[0]).equalsWithEps(full.output(b[0]), 1e-12));
    }
}
