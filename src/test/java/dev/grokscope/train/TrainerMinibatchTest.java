package dev.grokscope.train;

import dev.grokscope.config.Activation;
import dev.grokscope.config.DataSpec;
import dev.grokscope.config.Loss;
import dev.grokscope.config.MlpSpec;
import dev.grokscope.config.OptimizerSpec;
import dev.grokscope.config.Seeds;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.config.TransformerSpec;
import dev.grokscope.data.ModularDataset;
import dev.grokscope.data.Operation;
import dev.grokscope.data.Split;
import dev.grokscope.model.Mlp;
import dev.grokscope.model.Network;
import dev.grokscope.model.Transformer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Minibatch training through the trainer (which refills one batch buffer per length) equals stepping
 * a twin network by hand with a freshly gathered batch per step, in the trainer's batch order: for the
 * MLP kernel and the transformer kernel, both of which decode the one-hot tokens of their input.
 */
class TrainerMinibatchTest {
    private static final int P = 7;
    private static final int EPOCHS = 3;
    private static final int BATCH = 5; // 24 training pairs: batches of 5 and a remainder of 4
    private static final long SHUFFLE = 11;
    private static final TrainingSpec SPEC = new TrainingSpec(EPOCHS, BATCH, 1, TrainingSpec.DType.FLOAT64, false);
    private static final OptimizerSpec ADAMW = new OptimizerSpec(OptimizerSpec.Type.ADAMW, 1e-2, 0.9, 0.98, 1e-8, 0.1,
            false, 0.9, 0);
    private static final Split SPLIT = Split.of(new DataSpec(P, Operation.ADD, 0.5, false), Seeds.of(1));

    @Test
    void theMlpTrainsAsOnFreshBatches() throws Exception {
        assertSameTraining(() -> Mlp.build(new MlpSpec(1, 8, Activation.RELU, true, Loss.CROSS_ENTROPY, 1.0), P, ADAMW, SPEC, 3));
    }

    @Test
    void theTransformerTrainsAsOnFreshBatches() throws Exception {
        TransformerSpec spec = new TransformerSpec(2, 8, 2, 4, 16, Activation.RELU, TransformerSpec.Norm.PRE, false,
                TransformerSpec.Positional.LEARNED, 1.0, Loss.CROSS_ENTROPY, 1.0);
        assertSameTraining(() -> Transformer.build(spec, P, ADAMW, SPEC, 3));
    }

    private static void assertSameTraining(Supplier<Network> build) throws Exception {
        Network trained = build.get();
        new Trainer(trained, SPLIT, SPEC, SHUFFLE, List.of()).run();

        Network twin = build.get();
        ModularDataset train = SPLIT.train();
        INDArray x = twin.features(train);
        INDArray y = Nd4j.zeros(x.dataType(), train.size(), P);
        for (int i = 0; i < train.size(); i++) {
            y.putScalar(i, train.labels()[i], 1.0);
        }
        int n = train.size();
        assertEquals(24, n);
        for (int epoch = 1; epoch <= EPOCHS; epoch++) {
            int[] order = Trainer.batchOrder(SHUFFLE, epoch, n);
            for (int start = 0; start < n; start += BATCH) {
                int[] idx = java.util.Arrays.copyOfRange(order, start, Math.min(n, start + BATCH));
                twin.step(Nd4j.pullRows(x, 1, idx), Nd4j.pullRows(y, 1, idx));
            }
        }
        assertEquals(twin.steps(), trained.steps());
        for (Map.Entry<String, INDArray> e : twin.parameters().entrySet()) {
            assertArrayEquals(e.getValue().dup().data().asDouble(), trained.parameters().get(e.getKey()).dup().data().asDouble(),
                    0.0, e.getKey());
        }
    }
}
