package dev.grokscope.train;

import dev.grokscope.config.Activation;
import dev.grokscope.config.DataSpec;
import dev.grokscope.config.Loss;
import dev.grokscope.config.MlpSpec;
import dev.grokscope.config.OptimizerSpec;
import dev.grokscope.config.Seeds;
import dev.grokscope.config.TrainingSpec;
import dev.grokscope.data.Operation;
import dev.grokscope.data.Split;
import dev.grokscope.model.Mlp;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A failing run hides none of its errors: what listeners throw while it ends is attached, not dropped. */
class TrainerFailureTest {
    private static final int P = 7;
    private static final TrainingSpec SPEC = new TrainingSpec(4, 0, 1, TrainingSpec.DType.FLOAT32, false);

    private static Trainer trainer(List<TrainingListener> listeners) {
        OptimizerSpec adamw = new OptimizerSpec(OptimizerSpec.Type.ADAMW, 1e-3, 0.9, 0.98, 1e-8, 0, false, 0.9, 0);
        Mlp mlp = Mlp.build(new MlpSpec(1, 8, Activation.RELU, true, Loss.CROSS_ENTROPY, 1.0), P, adamw, SPEC, 3);
        return new Trainer(mlp, Split.of(new DataSpec(P, Operation.ADD, 0.5, false), Seeds.of(1)), SPEC, 5, listeners);
    }

    /** Throws {@code message} from onEnd, and records the status it was told. */
    private static final class FailsAtEnd implements TrainingListener {
        final String message;
        final List<RunStatus> told = new ArrayList<>();

        FailsAtEnd(String message) {
            this.message = message;
        }

        @Override
        public void onEnd(TrainingContext ctx, RunStatus status) {
            told.add(status);
            throw new IllegalStateException(message);
        }
    }

    @Test
    void listenerFailuresWhileAFailedRunEndsAreAttachedToTheFailure() {
        FailsAtEnd first = new FailsAtEnd("metrics file could not be closed");
        FailsAtEnd second = new FailsAtEnd("spectra worker failed");
        TrainingListener boom = new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingContext ctx) {
                if (ctx.epoch() == 2) {
                    throw new IllegalArgumentException("boom at epoch 2");
                }
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer(List.of(boom, first, second)).run());
        assertEquals("boom at epoch 2", e.getMessage());
        assertEquals(List.of("metrics file could not be closed", "spectra worker failed"),
                Arrays.stream(e.getSuppressed()).map(Throwable::getMessage).toList());
        assertEquals(List.of(RunStatus.FAILED), first.told, "every listener is told the run failed");
        assertEquals(List.of(RunStatus.FAILED), second.told);
    }

    @Test
    void aListenerFailingAtTheEndOfAGoodRunFailsItWithTheOthersAttached() {
        FailsAtEnd first = new FailsAtEnd("first");
        FailsAtEnd second = new FailsAtEnd("second");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer(List.of(first, second)).run());
        assertEquals("first", e.getMessage());
        assertEquals(List.of("second"), Arrays.stream(e.getSuppressed()).map(Throwable::getMessage).toList());
        assertEquals(List.of(RunStatus.COMPLETED), second.told, "the second listener still ran");
    }
}
