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

    /** Float and double outputs, fresh, 'f'-ordered or a view of a larger array: the same numbers. */
    @Test
    void everyLayoutAndDtypeGivesTheSameLossAndAccuracy() {
        double[][] logits = {{2, 0, -1}, {0.5, 0.5, 3}, {0, 4, 1}, {1, 1, 1}};
        int[] labels = {0, 1, 1, 2};
        var reference = Objectives.evaluate(Nd4j.create(logits), labels, Loss.CROSS_ENTROPY,
                Objectives.OutputKind.SCORES);
        var wide = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 6, 5);
        var view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 5),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4));
        view.assign(Nd4j.create(logits));
        var layouts = java.util.List.of(Nd4j.create(logits).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT),
                Nd4j.create(logits).dup('f'), view, Nd4j.create(logits).castTo(org.nd4j.linalg.api.buffer.DataType.HALF));
        for (var out : layouts) {
            var r = Objectives.evaluate(out, labels, Loss.CROSS_ENTROPY, Objectives.OutputKind.SCORES);
            double tolerance = out.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE ? 1e-15 : 2e-3;
            assertEquals(reference.loss(), r.loss(), tolerance, out.dataType() + " " + out.ordering());
            assertEquals(reference.accuracy(), r.accuracy(), out.dataType() + " " + out.ordering());
        }
        assertEquals(0.5, reference.accuracy()); // rows 0 and 2 right; the tie in row 3 goes to class 0
    }
}
