package dev.grokscope.model;

import dev.grokscope.backend.BlasThreads;
import dev.grokscope.config.Activation;
import dev.grokscope.config.Loss;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.config.TransformerSpec;
import dev.grokscope.config.TransformerSpec.Norm;
import dev.grokscope.config.TransformerSpec.Positional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch split over 2 or 3 shards, each on its own thread, gives the gradients, logits and optimiser
 * steps of the one-shard kernel (itself checked against the SameDiff graph in TransformerTest) to 1e-12
 * in float64: the same numbers but for the summation order.
 */
class ShardedKernelTest {
    private static final TrainingSpec DOUBLE = new TrainingSpec(10, 0, 1, TrainingSpec.DType.FLOAT64, false);
    private static final int P = 17; // 144 training examples: 2 shards of 72, 3 of 48 (first block on token tables)

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> options() {
        return java.util.stream.Stream.concat(TransformerTest.layerOptions(), java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(3, Norm.PRE, Activation.GELU, true, Positional.LEARNED)));
    }

    @ParameterizedTest
    @MethodSource("options")
    void shardsComputeWhatOneKernelComputes(int layers, Norm norm, Activation act, boolean bias, Positional pos) {
        TransformerSpec spec = TransformerTest.tiny(layers, norm, act, bias, pos);
        Transformer one = Transformer.build(spec, P, TransformerTest.adamw(1e-3, 1, true), DOUBLE, 3,
                Transformer.Path.KERNEL, 1);
        String what = layers + " blocks, " + norm + ", " + act + ", bias " + bias + ", " + pos;
        for (int shards : new int[] {2, 3}) {
            Transformer many = Transformer.build(spec, P, TransformerTest.adamw(1e-3, 1, true), DOUBLE, 3,
                    Transformer.Path.KERNEL, shards);
            one.parameters().forEach((k, v) -> many.parameters().get(k).assign(v)); // same start, after any steps
            // a batch for every shard, one below 2 x MIN_ROWS (shard 0 alone), then the first again
            for (int n : new int[] {144, 40, 144}) {
                INDArray[] b = TransformerTest.batch(one, P, n, DataType.DOUBLE);
                Map<String, INDArray> expected = TransformerTest.copy(one.gradients(b[0], b[1]));
                Map<String, INDArray> actual = many.gradients(b[0], b[1]);
                for (String name : one.parameterNames()) {
                    double norm2 = expected.get(name).norm2Number().doubleValue();
                    double err = actual.get(name).sub(expected.get(name)).norm2Number().doubleValue();
                    assertTrue(norm2 > 0, what + ": " + name + " has a zero gradient");
                    assertTrue(err <= 1e-12 * norm2, what + ", " + shards + " shards, batch " + n + ": " + name
                            + " off by " + err + " of " + norm2);
                }
                double lerr = many.output(b[0]).sub(one.output(b[0])).amaxNumber().doubleValue();
                assertTrue(lerr <= 1e-12, what + ", " + shards + " shards, batch " + n + ": logits off by " + lerr);
            }
            INDArray[] b = TransformerTest.batch(one, P, 144, DataType.DOUBLE);
            Transformer ref = Transformer.build(spec, P, TransformerTest.adamw(1e-3, 1, true), DOUBLE, 3,
                    Transformer.Path.KERNEL, 1);
            ref.parameters().forEach((k, v) -> v.assign(many.parameters().get(k)));
            for (int step = 0; step < 3; step++) {
                ref.step(b[0], b[1]);
                many.step(b[0], b[1]);
            }
            for (String name : ref.parameterNames()) {
                double err = many.parameters().get(name).sub(ref.parameters().get(name)).amaxNumber().doubleValue();
                assertTrue(err <= 1e-10, what + ", " + shards + " shards: " + name + " after 3 steps off by " + err);
            }
        }
    }

    @Test
    void shardsRunTheBlasOnOneThreadAndGiveItBack() {
        int before = BlasThreads.current();
        BlasThreads.set(2);
        try {
            TransformerSpec spec = new TransformerSpec(1, 8, 2, 4, 16, Activation.RELU, Norm.PRE, false,
                    Positional.LEARNED, 1.0, Loss.CROSS_ENTROPY, 1.0);
            Transformer t = Transformer.build(spec, P, TransformerTest.adamw(1e-3, 1, true), DOUBLE, 3,
                    Transformer.Path.KERNEL, 2);
            INDArray[] b = TransformerTest.batch(t, P, 144, DataType.DOUBLE);
            INDArray before0 = t.parameters().get("blocks.0.attn.W_Q").dup();
            t.step(b[0], b[1]);
            assertNotEquals(before0, t.parameters().get("blocks.0.attn.W_Q"), "a step changes the weights");
            assertEquals(2, BlasThreads.current(), "the BLAS's thread count as it was between steps");
            assertEquals(2, t.shards());
        } finally {
            BlasThreads.set(before);
        }
    }
}
