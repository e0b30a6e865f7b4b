package dev.grokscope.config;

import dev.grokscope.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransformerSpecTest {
    private static Experiment parse(String yaml) {
        return ConfigLoader.parse(yaml, "x.yaml", List.of());
    }

    @Test
    void defaultsAreNandasModel() {
        TransformerSpec t = (TransformerSpec) parse("model:\n  type: transformer\n").model();
        assertEquals(new TransformerSpec(1, 128, 4, 32, 512, Activation.RELU, TransformerSpec.Norm.OFF, true,
                TransformerSpec.Positional.LEARNED, 1.0, Loss.CROSS_ENTROPY, 1.0), t);
    }

    @Test
    void referenceConfigsLoad() {
        Experiment nanda = ConfigLoader.load(Path.of("configs/nanda-mod113.yaml"), List.of());
        assertEquals(113, nanda.data().p());
        assertEquals(1, ((TransformerSpec) nanda.model()).nLayers());
        Experiment power = ConfigLoader.load(Path.of("configs/power-mod97-div.yaml"), List.of());
        assertEquals(TransformerSpec.Norm.PRE, ((TransformerSpec) power.model()).layerNorm());
        assertEquals(10, power.optimizer().warmupSteps());
    }

    @Test
    void bareOffIsOffAndResolvedYamlReadsBack() {
        Experiment e = parse("model:\n  type: transformer\n  layerNorm: off\n  bias: off\n");
        TransformerSpec t = (TransformerSpec) e.model();
        assertEquals(TransformerSpec.Norm.OFF, t.layerNorm());
        assertEquals(false, t.bias());
        assertEquals(e, parse(ConfigLoader.toYaml(e)));
        Experiment post = parse("model:\n  type: transformer\n  layerNorm: post\n");
        assertEquals(post, parse(ConfigLoader.toYaml(post)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            tanh            | activation: tanh      | model.activation: must be relu or gelu for a transformer, got tanh
            mse             | loss: mse             | model.loss: must be cross_entropy for a transformer, got mse
            heads x dHead   | dModel: 100           | model.dModel: must equal nHeads * dHead = 4 * 32, got 100
            no layers       | nLayers: 0            | model.nLayers: must be between 1 and 64, got 0
            bad norm        | layerNorm: both       | model.layerNorm: must be off, pre or post, got both
            zero scale      | embedScale: 0         | model.embedScale: must be > 0, got 0.0
            """)
    void badValuesNameTheField(String what, String line, String expected) {
        BadInputException e = assertThrows(BadInputException.class,
                () -> parse("model:\n  type: transformer\n  " + line + "\n"));
        assertTrue(e.getMessage().contains(expected), what + ": " + e.getMessage());
    }
}
