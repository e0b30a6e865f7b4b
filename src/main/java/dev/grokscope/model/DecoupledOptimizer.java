package dev.grokscope.model;

import dev.grokscope.config.OptimizerSpec;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * AdamW or heavy-ball SGD applied in place to named parameters from their gradients, for networks that
 * compute gradients themselves (the SameDiff {@link Transformer}).
 *
 * <p>AdamW exactly as PyTorch's {@code torch.optim.AdamW} (Loshchilov &amp; Hutter 2019), at step t = 1, 2, ..:
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   w = w - lr_t * (wd * w + (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps))
 * </pre>
 * SGD: {@code u = mu u + g; w = w - lr_t * (u + wd * w)}. Weight decay hits only the parameters in
 * {@code decayed}. {@code lr_t} follows {@link Optimizers#schedule} (linear warm-up).
 *
 * <p>Scratch arrays are allocated once, so a step allocates nothing but what ND4J's ops do internally.
 */
final class DecoupledOptimizer {
    private final OptimizerSpec spec;
    private final Map<String, INDArray> params;
    private final Set<String> decayed;
    private final ISchedule schedule;
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    private final Map<String, INDArray> scratch = new LinkedHashMap<>();
    private long steps;

    DecoupledOptimizer(OptimizerSpec spec, Map<String, INDArray> params, Set<String> decayed) {
        this.spec = spec;
        this.params = params;
        this.decayed = Set.copyOf(decayed);
        this.schedule = Optimizers.schedule(spec);
        params.forEach((name, w) -> {
            if (spec.type() == OptimizerSpec.Type.ADAMW) {
                state.put(name + "/M", w.ulike().assign(0));
                state.put(name + "/V", w.ulike().assign(0));
            } else {
                state.put(name + "/velocity", w.ulike().assign(0));
            }
            scratch.put(name, w.ulike());
        });
    }

    /** One step from {@code grads} (one per parameter, same shapes). */
    void step(Map<String, INDArray> grads) {
        double lr = schedule.valueAt((int) Math.min(Integer.MAX_VALUE, steps), 0);
        steps++;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            INDArray w = e.getValue();
            INDArray g = grads.get(name);
            if (g == null) {
                throw new IllegalStateException("no gradient for " + name);
            }
            INDArray tmp = scratch.get(name);
            INDArray step;
            if (spec.type() == OptimizerSpec.Type.ADAMW) {
                INDArray m = state.get(name + "/M");
                INDArray v = state.get(name + "/V");
                m.muli(spec.beta1()).addi(tmp.assign(g).muli(1 - spec.beta1()));
                v.muli(spec.beta2()).addi(tmp.assign(g).muli(g).muli(1 - spec.beta2()));
                double bc1 = 1 - Math.pow(spec.beta1(), steps);
                double bc2 = 1 - Math.pow(spec.beta2(), steps);
                tmp.assign(v).muli(1 / bc2);
                Transforms.sqrt(tmp, false).addi(spec.eps()).rdivi(m).muli(1 / bc1); // (m / bc1) / (sqrt(v / bc2) + eps)
                step = tmp;
            } else {
                INDArray u = state.get(name + "/velocity");
                u.muli(spec.momentum()).addi(g);
                step = tmp.assign(u);
            }
            double wd = decayed.contains(name) ? spec.weightDecay() : 0;
            if (wd != 0) {
                w.muli(1 - lr * wd);
            }
            w.subi(step.muli(lr));
        }
    }

    long steps() {
        return steps;
    }

    void restoreSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        this.steps = steps;
    }

    Map<String, INDArray> state() {
        return Collections.unmodifiableMap(state);
    }
}
