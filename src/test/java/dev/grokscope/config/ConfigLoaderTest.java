package dev.grokscope.config;

import dev.grokscope.BadInputException;
import dev.grokscope.data.Operation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static Experiment parse(String yaml, String... sets) {
        return ConfigLoader.parse(yaml, "x.yaml", List.of(sets));
    }

    private static String error(String yaml, String... sets) {
        return assertThrows(BadInputException.class, () -> parse(yaml, sets)).getMessage();
    }

    @Test
    void emptyConfigIsAllDefaults() {
        Experiment e = parse("");
        assertEquals(97, e.data().p());
        assertEquals(Operation.ADD, e.data().operation());
        MlpSpec m = assertInstanceOf(MlpSpec.class, e.model());
        assertEquals(256, m.width());
        assertEquals(1.0, e.optimizer().weightDecay());
        assertEquals(0.98, e.optimizer().beta2());
    }

    @Test
    void quickstartLoadsAsGromovsMlp() {
        Experiment e = ConfigLoader.load(Path.of("configs", "quickstart.yaml"), List.of());
        MlpSpec m = assertInstanceOf(MlpSpec.class, e.model());
        assertEquals(Activation.QUADRATIC, m.activation());
        assertEquals(Loss.MSE, m.loss());
        assertFalse(m.bias());
        assertEquals(500, m.width());
        assertEquals(5.0, e.optimizer().weightDecay());
        assertEquals(0.01, e.optimizer().lr());
        assertEquals(0, e.training().batchSize());
    }

    @Test
    void setOverridesFileAndDefaults() {
        Experiment e = parse("training:\n  epochs: 10\n", "training.epochs=300", "model.width=64", "data.operation=div");
        assertEquals(300, e.training().epochs());
        assertEquals(64, ((MlpSpec) e.model()).width());
        assertEquals(Operation.DIV, e.data().operation());
    }

    @Test
    void resolvedYamlReadsBackEqual() {
        Experiment e = parse("data: {p: 13, operation: x3+xy2+y}\noptimizer: {lr: 3.0e-3, weightDecay: 0.3}\n");
        assertEquals(e, parse(ConfigLoader.toYaml(e)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown key        | data:\\n  p: 97\\n  pp: 3\\n                 | x.yaml:3: data.pp: unknown key
            unknown section    | dat:\\n  p: 97\\n                           | x.yaml:1: dat: unknown key
            wrong type         | training:\\n  epochs: many\\n               | x.yaml:2: training.epochs: must be an integer, got 'many'
            fraction for int   | training:\\n  epochs: 1.5\\n                | x.yaml:2: training.epochs: must be an integer
            p not prime        | data:\\n  p: 96\\n                          | x.yaml:2: data.p: must be a prime, got 96
            p is one           | data:\\n  p: 1\\n                           | x.yaml:2: data.p: must be a prime between 2 and 997, got 1
            fraction zero      | data:\\n  trainFraction: 0\\n               | x.yaml:2: data.trainFraction: must be in (0, 1), got 0.0
            fraction one       | data:\\n  trainFraction: 1.0\\n             | x.yaml:2: data.trainFraction: must be in (0, 1), got 1.0
            empty train split  | data:\\n  p: 3\\n  trainFraction: 0.1\\n    | x.yaml:3: data.trainFraction: must leave at least one pair in each split
            negative wd        | optimizer:\\n  weightDecay: -1\\n           | x.yaml:2: optimizer.weightDecay: must be >= 0, got -1.0
            bad enum           | model:\\n  activation: swish\\n             | x.yaml:2: model.activation: must be one of [relu, gelu, tanh, quadratic], got 'swish'
            bad model type     | model:\\n  type: cnn\\n                     | x.yaml:2: model.type: must be one of [mlp, transformer]
            duplicate key      | seed: 1\\nseed: 2\\n                        | x.yaml:2: duplicate key 'seed'
            huge number        | training:\\n  epochs: 99999999999999999999\\n | x.yaml:2: training.epochs: number out of range
            not a mapping      | - 1\\n- 2\\n                               | x.yaml: the top level must be a mapping
            """)
    void badConfigsNameFieldAndLine(String what, String yaml, String expected) {
        String message = error(yaml.replace("\\n", "\n"));
        assertTrue(message.startsWith(expected), what + ": got '" + message + "'");
        assertFalse(message.contains("\n"), "one line: " + message);
    }

    @Test
    void badOverrideNamesTheSet() {
        String m = error("", "optimizer.weightDecay=-3");
        assertEquals("--set optimizer.weightDecay=-3: optimizer.weightDecay: must be >= 0, got -3.0", m);
        assertTrue(error("", "training.epochs").startsWith("--set training.epochs: must be key=value"));
        assertTrue(error("", "data.q=5").startsWith("--set data.q=5: data.q: unknown key"));
    }

    @Test
    void missingFileIsBadInput() {
        String m = assertThrows(BadInputException.class,
                () -> ConfigLoader.load(Path.of("no", "such.yaml"), List.of())).getMessage();
        assertEquals(Path.of("no", "such.yaml") + ": no such file", m);
    }

    @Test
    void aliasBombIsRefused() {
        StringBuilder y = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            y.append(c).append(": &").append(c).append(" [*").append(p);
            y.append(", *").append(p).append(", *").append(p).append(", *").append(p).append("]\n");
        }
        String m = error(y.toString());
        assertTrue(m.startsWith("x.yaml"), m);
    }
}
