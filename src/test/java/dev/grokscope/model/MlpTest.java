package dev.grokscope.model;

import dev.grokscope.config.Activation;
import dev.grokscope.config.DataSpec;
import dev.grokscope.config.Loss;
import dev.grokscope.config.MlpSpec;
import dev.grokscope.config.OptimizerSpec;
import dev.grokscope.config.Seeds;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.data.Operation;
import dev.grokscope.data.Split;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlpTest {
    private static final int P = 11;
    private static final TrainingSpec DOUBLE = new TrainingSpec(10, 0, 1, TrainingSpec.DType.FLOAT64, false);

    private static OptimizerSpec adamw(double lr, double wd) {
        return new OptimizerSpec(OptimizerSpec.Type.ADAMW, lr, 0.9, 0.98, 1e-8, wd, false, 0.9, 0);
    }

    private static INDArray oneHot(int[] labels, DataType t) {
        return oneHot(labels, P, t);
    }

    private static INDArray oneHot(int[] labels, int classes, DataType t) {
        INDArray y = Nd4j.zeros(t, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void gradientsMatchFiniteDifferences(Activation act) {
        org.nd4j.linalg.api.buffer.util.DataTypeUtil.setDTypeForContext(DataType.DOUBLE);
        for (Loss loss : Loss.values()) {
            Mlp mlp = Mlp.build(new MlpSpec(2, 8, act, true, loss, 1.0), P, adamw(1e-3, 0), DOUBLE, 3);
            Split s = Split.of(new DataSpec(P, Operation.ADD, 0.5, false), Seeds.of(1));
            INDArray x = mlp.features(s.train()).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 12));
            int[] labels = java.util.Arrays.copyOf(s.train().labels(), 12);
            mlp.dl4j().getLayerWiseConfigurations().getConfs().forEach(c ->
                    ((org.deeplearning4j.nn.conf.layers.BaseLayer) c.getLayer()).setIUpdater(new org.nd4j.linalg.learning.config.NoOp()));
            mlp.dl4j().init(mlp.dl4j().params(), false);
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(mlp.dl4j())
                    .input(x).labels(oneHot(labels, DataType.DOUBLE)).epsilon(1e-6).maxRelError(1e-5)
                    .minAbsoluteError(1e-9).print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
            assertTrue(ok, act + " / " + loss);
        }
    }

    /**
     * One DL4J step equals AdamW by hand from the same gradient: m = (1-b1) g, v = (1-b2) g^2,
     * w' = w - lr * (mhat / (sqrt(vhat) + eps) + wd * w), with DL4J's placement of eps
     * (lr sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)).
     */
    @Test
    void oneStepIsAdamW() {
        double lr = 0.01;
        double wd = 5;
        Mlp mlp = Mlp.build(new MlpSpec(1, 16, Activation.QUADRATIC, false, Loss.MSE, 1.0), P, adamw(lr, wd), DOUBLE, 5);
        Split s = Split.of(new DataSpec(P, Operation.ADD, 0.5, false), Seeds.of(2));
        INDArray x = mlp.features(s.train());
        INDArray y = oneHot(s.train().labels(), DataType.DOUBLE);
        MultiLayerNetwork net = mlp.dl4j();
        Map<String, INDArray> before = copy(mlp.parameters());
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        Map<String, INDArray> grads = Map.of("layers.0.W", net.gradient().getGradientFor("0_W").dup(),
                "layers.1.W", net.gradient().getGradientFor("1_W").dup());
        mlp.step(x, y);
        int n = s.train().size();
        for (String name : List.of("layers.0.W", "layers.1.W")) {
            INDArray g = grads.get(name).div(n); // DL4J's score gradient is summed; the step uses the mean
            INDArray m = g.mul(0.1);
            INDArray v = g.mul(g).muli(0.02);
            double alpha = lr * Math.sqrt(1 - 0.98) / (1 - 0.9);
            INDArray adam = m.mul(alpha).divi(org.nd4j.linalg.ops.transforms.Transforms.sqrt(v, true).addi(1e-8));
            INDArray expected = before.get(name).sub(adam).subi(before.get(name).mul(lr * wd));
            double err = expected.sub(mlp.parameters().get(name)).norm2Number().doubleValue()
                    / expected.norm2Number().doubleValue();
            assertTrue(err < 1e-10, name + ": relative error " + err);
        }
    }

    @Test
    void namesAreStableAndSameSeedGivesSameWeights() {
        MlpSpec spec = new MlpSpec(2, 8, Activation.RELU, true, Loss.CROSS_ENTROPY, 1.0);
        Mlp a = Mlp.build(spec, P, adamw(1e-3, 1), DOUBLE, 42);
        Mlp b = Mlp.build(spec, P, adamw(1e-3, 1), DOUBLE, 42);
        assertEquals(List.of("layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b", "layers.2.W", "layers.2.b"),
                List.copyOf(a.parameters().keySet()));
        assertEquals(List.of(2L * P, 8L), List.of(a.matrices().get("layers.0.W").shape()[0], a.matrices().get("layers.0.W").shape()[1]));
        a.parameters().forEach((k, v) -> assertEquals(v, b.parameters().get(k), k));
    }

    /**
     * The hand-written step (one-hot first layer as a gather, gradients by hand, DL4J's updater) equals
     * {@code MultiLayerNetwork.fit} in float64 over several steps for every activation, loss, depth and
     * bias setting, on two batch sizes in turn: parameters, updater state and iteration count, and the
     * outputs, to 1e-10.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("kernelOptions")
    void kernelStepsEqualFit(Activation act, Loss loss, int depth, boolean bias) {
        MlpSpec spec = new MlpSpec(depth, 16, act, bias, loss, 1.0);
        OptimizerSpec opt = new OptimizerSpec(OptimizerSpec.Type.ADAMW, 0.01, 0.9, 0.98, 1e-8, 0.5, true, 0.9, 3);
        Mlp fit = Mlp.build(spec, P, opt, DOUBLE, 9, Mlp.Path.DL4J);
        Mlp kernel = Mlp.build(spec, P, opt, DOUBLE, 9, Mlp.Path.KERNEL);
        Split s = Split.of(new DataSpec(P, Operation.ADD, 0.5, false), Seeds.of(4));
        INDArray x = fit.features(s.train());
        INDArray y = oneHot(s.train().labels(), DataType.DOUBLE);
        INDArray xs = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 20), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        INDArray ys = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 20), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        String what = act + " " + loss + " depth " + depth + " bias " + bias;
        for (int step = 0; step < 4; step++) {
            INDArray bx = step % 2 == 0 ? x : xs;
            INDArray by = step % 2 == 0 ? y : ys;
            fit.step(bx, by);
            kernel.step(bx, by);
            for (String name : fit.parameters().keySet()) {
                INDArray e = fit.parameters().get(name);
                double err = e.sub(kernel.parameters().get(name)).norm2Number().doubleValue() / e.norm2Number().doubleValue();
                assertTrue(err < 1e-10, what + ", step " + step + ": " + name + " off by " + err);
            }
            INDArray se = fit.optimizerState().get("updater");
            double serr = se.sub(kernel.optimizerState().get("updater")).norm2Number().doubleValue() / se.norm2Number().doubleValue();
            assertTrue(serr < 1e-10, what + ", step " + step + ": updater state off by " + serr);
            assertEquals(fit.steps(), kernel.steps(), what);
        }
        INDArray out = fit.output(x);
        double oerr = out.sub(kernel.output(x)).amaxNumber().doubleValue();
        assertTrue(oerr < 1e-10 * Math.max(1, out.amaxNumber().doubleValue()), what + ": outputs off by " + oerr);
    }

    /**
     * A batch split over 2 or 3 shards, each on its own thread, steps as one shard does (itself checked
     * against fit above) to 1e-10 in float64 after several AdamW steps, for every activation, loss, depth
     * and bias setting: the same numbers but for the summation order. Outputs to 1e-12. A batch below
     * 2 x {@link Shards#MIN_ROWS} runs on shard 0 alone.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("kernelOptions")
    void shardsStepAsOneKernelDoes(Activation act, Loss loss, int depth, boolean bias) {
        int p = 17; // 144 training pairs: 2 shards of 72, 3 of 48
        MlpSpec spec = new MlpSpec(depth, 16, act, bias, loss, 1.0);
        OptimizerSpec opt = new OptimizerSpec(OptimizerSpec.Type.ADAMW, 0.01, 0.9, 0.98, 1e-8, 0.5, true, 0.9, 3);
        Split s = Split.of(new DataSpec(p, Operation.ADD, 0.5, false), Seeds.of(4));
        String what = act + " " + loss + " depth " + depth + " bias " + bias;
        for (int shards : new int[] {2, 3}) {
            Mlp one = Mlp.build(spec, p, opt, DOUBLE, 9, Mlp.Path.KERNEL, 1);
            Mlp many = Mlp.build(spec, p, opt, DOUBLE, 9, Mlp.Path.KERNEL, shards);
            INDArray x = one.features(s.train());
            INDArray y = oneHot(s.train().labels(), p, DataType.DOUBLE);
            INDArray xs = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 40), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
            INDArray ys = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 40), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
            assertEquals(144, x.rows());
            for (int step = 0; step < 4; step++) {
                INDArray bx = step == 2 ? xs : x;
                INDArray by = step == 2 ? ys : y;
                one.step(bx, by);
                many.step(bx, by);
                for (String name : one.parameters().keySet()) {
                    INDArray e = one.parameters().get(name);
                    double err = e.sub(many.parameters().get(name)).norm2Number().doubleValue() / e.norm2Number().doubleValue();
                    assertTrue(err < 1e-10, what + ", " + shards + " shards, step " + step + ": " + name + " off by " + err);
                }
                INDArray se = one.optimizerState().get("updater");
                double serr = se.sub(many.optimizerState().get("updater")).norm2Number().doubleValue() / se.norm2Number().doubleValue();
                assertTrue(serr < 1e-10, what + ", " + shards + " shards, step " + step + ": updater state off by " + serr);
            }
            INDArray out = one.output(x);
            double oerr = out.sub(many.output(x)).amaxNumber().doubleValue();
            assertTrue(oerr < 1e-12 * Math.max(1, out.amaxNumber().doubleValue()), what + ", " + shards
                    + " shards: outputs off by " + oerr);
        }
    }

    /** In float32 (the training default) the quickstart's model steps as fit does, to float rounding. */
    @Test
    void kernelStepsEqualFitInFloat32() {
        TrainingSpec single = new TrainingSpec(10, 0, 1, TrainingSpec.DType.FLOAT32, false);
        MlpSpec spec = new MlpSpec(1, 64, Activation.QUADRATIC, false, Loss.MSE, 1.0);
        OptimizerSpec opt = new OptimizerSpec(OptimizerSpec.Type.ADAMW, 0.01, 0.9, 0.98, 1e-8, 5, true, 0.9, 0);
        Mlp fit = Mlp.build(spec, P, opt, single, 9, Mlp.Path.DL4J);
        Mlp kernel = Mlp.build(spec, P, opt, single, 9, Mlp.Path.KERNEL);
        Split s = Split.of(new DataSpec(P, Operation.ADD, 0.5, false), Seeds.of(4));
        INDArray x = fit.features(s.train());
        INDArray y = oneHot(s.train().labels(), DataType.FLOAT);
        for (int step = 0; step < 3; step++) {
            fit.step(x, y);
            kernel.step(x, y);
        }
        for (String name : fit.parameters().keySet()) {
            INDArray e = fit.parameters().get(name);
            double err = e.sub(kernel.parameters().get(name)).norm2Number().doubleValue() / e.norm2Number().doubleValue();
            assertTrue(err < 1e-5, name + " off by " + err);
        }
        assertTrue(fit.output(x).equalsWithEps(kernel.output(x), 1e-4));
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> kernelOptions() {
        List<org.junit.jupiter.params.provider.Arguments> a = new java.util.ArrayList<>();
        for (Activation act : Activation.values()) {
            for (Loss loss : Loss.values()) {
                a.add(org.junit.jupiter.params.provider.Arguments.of(act, loss, 1, false));
                a.add(org.junit.jupiter.params.provider.Arguments.of(act, loss, 2, true));
            }
        }
        return a.stream();
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> live) {
        Map<String, INDArray> m = new java.util.LinkedHashMap<>();
        live.forEach((k, v) -> m.put(k, v.dup()));
        return m;
    }
}
