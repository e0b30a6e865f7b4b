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
     * about 8 entries of every parameter. (GradCheckUtil cannot be used: it insists on gradients for the
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
            long stride = Math.max(1, w.length() / 8); // 8 entries or so per parameter keep it fast
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

    /** Every combination of blocks (1, 2), LayerNorm, activation, biases and positions, plus 3 blocks per LayerNorm. */
    static Stream<Arguments> everyOption() {
        List<Arguments> a = new ArrayList<>();
        for (int layers : new int[] {1, 2}) {
            for (Norm n : Norm.values()) {
                for (Activation act : List.of(Activation.RELU, Activation.GELU)) {
                    for (boolean bias : new boolean[] {true, false}) {
                        for (Positional pos : Positional.values()) {
                            a.add(Arguments.of(layers, n, act, bias, pos, 1.0));
                        }
                    }
                }
            }
        }
        for (Norm n : Norm.values()) {
            a.add(Arguments.of(3, n, Activation.GELU, true, Positional.LEARNED, Math.sqrt(8)));
        }
        return a.stream();
    }

    /**
     * The hand-written kernel gives the loss, every gradient and the logits of the SameDiff graph (every
     * position through every block) to 1e-10 in float64, on two batch sizes in turn (a minibatch and its
     * remainder: the kernel keeps buffers per size) and back.
     */
    @ParameterizedTest
    @MethodSource("everyOption")
    void kernelEqualsGraph(int layers, Norm norm, Activation act, boolean bias, Positional pos, double embedScale) {
        int p = 7;
        TransformerSpec spec = new TransformerSpec(layers, 8, 2, 4, 16, act, norm, bias, pos, embedScale,
                Loss.CROSS_ENTROPY, 1.0);
        Transformer graph = Transformer.build(spec, p, adamw(1e-3, 1, true), DOUBLE, 11, Transformer.Path.GRAPH);
        Transformer kernel = Transformer.build(spec, p, adamw(1e-3, 1, true), DOUBLE, 11, Transformer.Path.KERNEL);
        assertEquals(graph.parameterNames(), kernel.parameterNames());
        graph.parameters().forEach((k, v) -> assertEquals(v, kernel.parameters().get(k), k));
        String what = layers + " blocks, " + norm + ", " + act + ", bias " + bias + ", " + pos + ", scale " + embedScale;
        for (int n : new int[] {20, 7, 20}) {
            INDArray[] b = batch(graph, p, n, DataType.DOUBLE);
            assertEquals(graph.loss(b[0], b[1]), kernel.loss(b[0], b[1]), 1e-10, what);
            Map<String, INDArray> gGraph = copy(graph.gradients(b[0], b[1]));
            Map<String, INDArray> gKernel = kernel.gradients(b[0], b[1]);
            assertEquals(gGraph.keySet(), gKernel.keySet());
            for (String name : graph.parameterNames()) {
                double norm2 = gGraph.get(name).norm2Number().doubleValue();
                double err = gKernel.get(name).sub(gGraph.get(name)).norm2Number().doubleValue();
                assertTrue(err <= 1e-10 * Math.max(1, norm2), what + ", batch " + n + ": " + name + " off by " + err);
                assertTrue(norm2 > 0, what + ": " + name + " has a zero gradient");
            }
            INDArray lg = graph.output(b[0]);
            double lerr = kernel.output(b[0]).sub(lg).amaxNumber().doubleValue();
            assertTrue(lerr <= 1e-10, what + ", batch " + n + ": logits off by " + lerr);
        }
    }

    static Map<String, INDArray> copy(Map<String, INDArray> live) {
        Map<String, INDArray> m = new java.util.LinkedHashMap<>();
        live.forEach((k, v) -> m.put(k, v.dup()));
        return m;
    }

    /**
     * Two steps equal AdamW by hand (PyTorch's form): m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
     * w = w - lr (wd w + (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)); with decayBiases off the 1-D
     * parameters (biases) skip the decay. Then SGD: w = w - lr (u + wd w), u = mu u + g.
     */
    @Test
    void stepsAreAdamWAndSgdByHand() {
        int p = 7;
        double lr = 0.01;
        double wd = 0.5;
        double b1 = 0.9;
        double b2 = 0.98;
        double eps = 1e-8;
        TransformerSpec spec = tiny(1, Norm.OFF, Activation.RELU, true, Positional.LEARNED);
        Transformer t = Transformer.build(spec, p, new OptimizerSpec(OptimizerSpec.Type.ADAMW, lr, b1, b2, eps, wd, false,
                0.9, 0), DOUBLE, 3);
        INDArray[] b = batch(t, p, 20, DataType.DOUBLE);
        Map<String, INDArray> w = copy(t.parameters());
        Map<String, INDArray> m = new java.util.HashMap<>();
        Map<String, INDArray> v = new java.util.HashMap<>();
        w.forEach((k, a) -> {
            m.put(k, a.ulike().assign(0));
            v.put(k, a.ulike().assign(0));
        });
        for (int step = 1; step <= 2; step++) {
            Map<String, INDArray> g = copy(t.gradients(b[0], b[1]));
            t.step(b[0], b[1]);
            for (String k : w.keySet()) {
                m.get(k).muli(b1).addi(g.get(k).mul(1 - b1));
                v.get(k).muli(b2).addi(g.get(k).mul(g.get(k)).muli(1 - b2));
                INDArray mhat = m.get(k).div(1 - Math.pow(b1, step));
                INDArray vhat = v.get(k).div(1 - Math.pow(b2, step));
                INDArray adam = mhat.div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(vhat, true).addi(eps));
                double decay = w.get(k).rank() == 2 ? wd : 0;
                w.get(k).subi(w.get(k).mul(lr * decay).addi(adam.muli(lr)));
                assertClose(w.get(k), t.parameters().get(k), "adamw step " + step + " " + k);
            }
        }
        assertEquals(2, t.steps());
        assertTrue(t.optimizerState().containsKey("blocks.0.attn.W_Q/M"));
        assertTrue(t.optimizerState().containsKey("unembed.W_U/V"));

        double mu = 0.9;
        Transformer sgd = Transformer.build(spec, p, new OptimizerSpec(OptimizerSpec.Type.SGD, lr, b1, b2, eps, wd, true,
                mu, 0), DOUBLE, 3);
        Map<String, INDArray> ws = copy(sgd.parameters());
        Map<String, INDArray> u = new java.util.HashMap<>();
        ws.forEach((k, a) -> u.put(k, a.ulike().assign(0)));
        for (int step = 1; step <= 2; step++) {
            Map<String, INDArray> g = copy(sgd.gradients(b[0], b[1]));
            sgd.step(b[0], b[1]);
            for (String k : ws.keySet()) {
                u.get(k).muli(mu).addi(g.get(k));
                ws.get(k).subi(u.get(k).add(ws.get(k).mul(wd)).muli(lr));
                assertClose(ws.get(k), sgd.parameters().get(k), "sgd step " + step + " " + k);
            }
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double err = expected.sub(actual).norm2Number().doubleValue() / Math.max(1e-30, expected.norm2Number().doubleValue());
        assertTrue(err < 1e-12, what + ": relative error " + err);
    }

    /** Both the kernel path (Nanda's model) and the SameDiff path (2 blocks, pre-LN) learn a little. */
    @Test
    void trainingLossFallsAndNamesAreStable() {
        int p = 11;
        TransformerSpec nanda = new TransformerSpec(1, 32, 4, 8, 64, Activation.RELU, Norm.OFF, true,
                Positional.LEARNED, 1.0, Loss.CROSS_ENTROPY, 1.0);
        TransformerSpec power = new TransformerSpec(2, 32, 4, 8, 64, Activation.RELU, Norm.PRE, false,
                Positional.LEARNED, 1.0, Loss.CROSS_ENTROPY, 1.0);
        List<String> nandaNames = List.of("embed.W_E", "embed.W_pos", "blocks.0.attn.W_Q", "blocks.0.attn.W_K",
                "blocks.0.attn.W_V", "blocks.0.attn.W_O", "blocks.0.mlp.W_in", "blocks.0.mlp.b_in",
                "blocks.0.mlp.W_out", "blocks.0.mlp.b_out", "unembed.W_U");
        List<String> powerNames = new ArrayList<>();
        powerNames.addAll(List.of("embed.W_E", "embed.W_pos"));
        for (int i = 0; i < 2; i++) {
            String b = "blocks." + i + ".";
            powerNames.addAll(List.of(b + "ln1.w", b + "ln1.b", b + "attn.W_Q", b + "attn.W_K", b + "attn.W_V",
                    b + "attn.W_O", b + "ln2.w", b + "ln2.b", b + "mlp.W_in", b + "mlp.W_out"));
        }
        powerNames.addAll(List.of("ln_final.w", "ln_final.b", "unembed.W_U"));
        for (TransformerSpec spec : List.of(nanda, power)) {
            Transformer t = Transformer.build(spec, p, adamw(3e-3, 0.1, true), FLOAT, 5);
            List<String> expected = spec == nanda ? nandaNames : powerNames;
            assertEquals(expected, t.parameterNames());
            assertEquals(expected.stream().filter(n -> n.contains(".W_")).toList(), List.copyOf(t.matrices().keySet()));
            assertEquals(List.of(32L, 8L), List.of(t.headMatrices().get("blocks.0.attn.W_Q.head3").shape()[0],
                    t.headMatrices().get("blocks.0.attn.W_Q.head3").shape()[1]));
            assertEquals(t.parameters().get("blocks.0.attn.W_K").get(NDArrayIndex.all(), NDArrayIndex.interval(8, 16)),
                    t.headMatrices().get("blocks.0.attn.W_K.head1"));
            t.chains().forEach(chain -> assertTrue(t.matrices().keySet().containsAll(chain), chain.toString()));
            INDArray[] b = batch(t, p, 1000, DataType.FLOAT);
            double before = t.loss(b[0], b[1]);
            for (int i = 0; i < 50; i++) {
                t.step(b[0], b[1]);
            }
            double after = t.loss(b[0], b[1]);
            assertTrue(after < 0.5 * before, spec.nLayers() + " blocks: loss " + before + " -> " + after);
        }
    }

    @Test
    void sameSeedSameTrainingDifferentSeedNot() {
        int p = 11;
        TransformerSpec spec = tiny(1, Norm.OFF, Activation.GELU, true, Positional.LEARNED);
        double[] losses = new double[3];
        Map<String, INDArray> first = null;
        long[] seeds = {42, 42, 43};
        for (int r = 0; r < 3; r++) {
            Transformer t = Transformer.build(spec, p, adamw(1e-2, 1, true), FLOAT, seeds[r]);
            INDArray[] b = batch(t, p, 1000, DataType.FLOAT);
            for (int i = 0; i < 5; i++) {
                t.step(b[0], b[1]);
            }
            losses[r] = t.loss(b[0], b[1]);
            if (r == 0) {
                first = copy(t.parameters());
            } else if (r == 1) {
                Map<String, INDArray> a = first;
                t.parameters().forEach((k, arr) -> assertEquals(a.get(k), arr, k));
            }
        }
        assertEquals(losses[0], losses[1], 0.0);
        assertTrue(losses[0] != losses[2]);
    }
}
