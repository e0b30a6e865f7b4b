package dev.grokscope.model;

import dev.grokscope.config.Loss;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ObjectivesTest {
    @Test
    void crossEntropyFromProbabilitiesAndLogitsAgree() {
        double[][] logits = {{2, 0, -1}, {0.5, 0.5, 3}};
        int[] labels = {0, 1};
        double expected = 0;
        for (int i = 0; i < 2; i++) {
            double z = 0;
            for (double v : logits[i]) {
                z += Math.exp(v);
            }
            expected += -Math.log(Math.exp(logits[i][labels[i]]) / z);
        }
        expected /= 2;
        var fromLogits = Objectives.evaluate(Nd4j.create(logits), labels, Loss.CROSS_ENTROPY, Objectives.OutputKind.SCORES);
        var probs = Nd4j.nn().softmax(Nd4j.create(logits), 1);
        var fromProbs = Objectives.evaluate(probs, labels, Loss.CROSS_ENTROPY, Objectives.OutputKind.PROBABILITIES);
        assertEquals(expected, fromLogits.loss(), 1e-12);
        assertEquals(expected, fromProbs.loss(), 1e-9);
        assertEquals(0.5, fromLogits.accuracy());
    }

    @Test
    void mseSumsOverClassesAndAveragesOverExamples() {
        double[][] out = {{1, 0}, {0.5, 0.5}};
        var r = Objectives.evaluate(Nd4j.create(out), new int[] {0, 1}, Loss.MSE, Objectives.OutputKind.SCORES);
        assertEquals((0 + 0.25 + 0.25) / 2, r.loss(), 1e-15);
        assertEquals(0.5, r.accuracy()); // the tie goes to the first maximum
    }
}
