package dev.grokscope.model;

import dev.grokscope.config.OptimizerSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The flat optimiser against the update written out per parameter (the class's formula, one array at
 * a time): bit-identical over steps with warm-up, decayed and undecayed parameters of several ranks.
 */
class DecoupledOptimizerTest {

    private static Map<String, INDArray> params(DataType t, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("a.W", Nd4j.randn(t, 7, 5));
        p.put("a.b", Nd4j.randn(t, 5));
        p.put("b.W", Nd4j.randn(t, 3, 4, 2));
        p.put("ln.w", Nd4j.randn(t, 6));
        return p;
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, v.dup()));
        return c;
    }

    @ParameterizedTest
    @EnumSource(OptimizerSpec.Type.class)
    void stepsAreBitIdenticalToTheUpdatePerParameter(OptimizerSpec.Type type) {
        for (DataType t : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            OptimizerSpec spec = new OptimizerSpec(type, 0.01, 0.9, 0.98, 1e-8, 0.5, false, 0.9, 3);
            Map<String, INDArray> flat = params(t, 1);
            Map<String, INDArray> ref = copy(flat);
            Set<String> decayed = Set.of("a.W", "b.W");
            DecoupledOptimizer opt = new DecoupledOptimizer(spec, flat, decayed);
            PerParameter expected = new PerParameter(spec, ref, decayed);
            Nd4j.getRandom().setSeed(2);
            for (int step = 0; step < 6; step++) {
                Map<String, INDArray> grads = new LinkedHashMap<>();
                flat.forEach((k, v) -> grads.put(k, Nd4j.randn(t, v.shape())));
                opt.step(grads);
                expected.step(grads);
                for (String k : flat.keySet()) {
                    assertArrayEquals(ref.get(k).data().asDouble(), flat.get(k).data().asDouble(), 0.0,
                            type + " " + t + " step " + step + " " + k);
                    assertArrayEquals(ref.get(k).shape(), flat.get(k).shape());
                }
            }
            assertEquals(6, opt.steps());
            assertEquals(expected.state.keySet(), opt.state().keySet());
            expected.state.forEach((k, v) -> assertArrayEquals(v.data().asDouble(),
                    opt.state().get(k).dup().data().asDouble(), 0.0, k));
        }
    }

    /** What a checkpoint restores into state() is what the next step uses: the views write through. */
    @Test
    void restoredStateIsWhatTheNextStepUses() {
        OptimizerSpec spec = new OptimizerSpec(OptimizerSpec.Type.ADAMW, 0.01, 0.9, 0.98, 1e-8, 0.5, true, 0.9, 0);
        Map<String, INDArray> a = params(DataType.DOUBLE, 1);
        Map<String, INDArray> b = copy(a);
        DecoupledOptimizer first = new DecoupledOptimizer(spec, a, a.keySet());
        Nd4j.getRandom().setSeed(3);
        Map<String, INDArray> g1 = new LinkedHashMap<>();
        a.forEach((k, v) -> g1.put(k, Nd4j.randn(DataType.DOUBLE, v.shape())));
        first.step(g1);

        DecoupledOptimizer second = new DecoupledOptimizer(spec, b, b.keySet());
        b.forEach((k, v) -> v.assign(a.get(k)));
        first.state().forEach((k, v) -> second.state().get(k).assign(v));
        second.restoreSteps(first.steps());
        assertNotEquals(0.0, second.state().get("a.W/V").sumNumber().doubleValue());

        Map<String, INDArray> g2 = new LinkedHashMap<>();
        a.forEach((k, v) -> g2.put(k, Nd4j.randn(DataType.DOUBLE, v.shape())));
        first.step(g2);
        second.step(g2);
        a.forEach((k, v) -> assertArrayEquals(v.data().asDouble(), b.get(k).data().asDouble(), 0.0, k));
    }

    /** The update of the class Javadoc, one parameter at a time (as the optimiser was before it went flat). */
    private static final class PerParameter {
        final OptimizerSpec spec;
        final Map<String, INDArray> params;
        final Set<String> decayed;
        final ISchedule schedule;
        final Map<String, INDArray> state = new LinkedHashMap<>();
        long steps;

        PerParameter(OptimizerSpec spec, Map<String, INDArray> params, Set<String> decayed) {
            this.spec = spec;
            this.params = params;
            this.decayed = decayed;
            this.schedule = Optimizers.schedule(spec);
            params.forEach((k, w) -> {
                if (spec.type() == OptimizerSpec.Type.ADAMW) {
                    state.put(k + "/M", w.ulike().assign(0));
                    state.put(k + "/V", w.ulike().assign(0));
                } else {
                    state.put(k + "/velocity", w.ulike().assign(0));
                }
            });
        }

        void step(Map<String, INDArray> grads) {
            double lr = schedule.valueAt((int) steps, 0);
            steps++;
            params.forEach((k, w) -> {
                INDArray g = grads.get(k);
                INDArray tmp = w.ulike();
                if (spec.type() == OptimizerSpec.Type.ADAMW) {
                    INDArray m = state.get(k + "/M");
                    INDArray v = state.get(k + "/V");
                    m.muli(spec.beta1()).addi(tmp.assign(g).muli(1 - spec.beta1()));
                    v.muli(spec.beta2()).addi(tmp.assign(g).muli(g).muli(1 - spec.beta2()));
                    double bc1 = 1 - Math.pow(spec.beta1(), steps);
                    double bc2 = 1 - Math.pow(spec.beta2(), steps);
                    tmp.assign(v).muli(1 / bc2);
                    Transforms.sqrt(tmp, false).addi(spec.eps()).rdivi(m).muli(1 / bc1);
                } else {
                    INDArray u = state.get(k + "/velocity");
                    u.muli(spec.momentum()).addi(g);
                    tmp.assign(u);
                }
                if (decayed.contains(k)) {
                    w.muli(1 - lr * spec.weightDecay());
                }
                w.subi(tmp.muli(lr));
            });
        }
    }
}
