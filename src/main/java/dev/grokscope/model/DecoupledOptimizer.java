package dev.grokscope.model;

import dev.grokscope.config.OptimizerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.schedule.ISchedule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>The optimiser's own arrays are flat: the moments (or velocity), the gradients and the scratch of all
 * parameters are each one array, and the per-parameter arrays that {@link #state()} and
 * {@link #gradients()} show are views of them. A step copies each gradient into its slice (unless it is
 * that slice: the transformer kernel writes there), does the update's arithmetic once on the flat
 * arrays, and then touches each parameter twice (decay, subtract): 12 + 2 per parameter ND4J ops
 * instead of 14 per parameter (the Power transformer has 25 parameters). Element by element it is the
 * same arithmetic in the same order as per parameter, so results are bit-identical to that. Nothing is
 * allocated per step but what ND4J's ops do internally.
 */
final class DecoupledOptimizer {
    private final OptimizerSpec spec;
    private final ISchedule schedule;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<String, INDArray> state = new LinkedHashMap<>();
    /** Flat arrays, one element per parameter element: gradients, scratch, and the state's. */
    private final INDArray grad;
    private final INDArray tmp;
    private final INDArray first;  // AdamW's M, or SGD's velocity
    private final INDArray second; // AdamW's V; null for SGD
    private long steps;

    /** One parameter: its array, whether it decays, and its slices of the flat arrays. */
    private record Slot(String name, INDArray param, boolean decays, INDArray grad, INDArray step) {
    }

    DecoupledOptimizer(OptimizerSpec spec, Map<String, INDArray> params, Set<String> decayed) {
        this.spec = spec;
        this.schedule = Optimizers.schedule(spec);
        long n = params.values().stream().mapToLong(INDArray::length).sum();
        DataType t = params.isEmpty() ? DataType.FLOAT : params.values().iterator().next().dataType();
        boolean adam = spec.type() == OptimizerSpec.Type.ADAMW;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            grad = Nd4j.zeros(t, n);
            tmp = Nd4j.zeros(t, n);
            first = Nd4j.zeros(t, n);
            second = adam ? Nd4j.zeros(t, n) : null;
        }
        Map<String, INDArray> grads = views(grad, params);
        Map<String, INDArray> steps = views(tmp, params);
        Map<String, INDArray> firsts = views(first, params);
        Map<String, INDArray> seconds = adam ? views(second, params) : Map.of();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            if (e.getValue().dataType() != t) {
                throw new IllegalArgumentException("parameters of one network share a data type: " + name
                        + " is " + e.getValue().dataType() + ", not " + t);
            }
            slots.add(new Slot(name, e.getValue(), decayed.contains(name), grads.get(name), steps.get(name)));
            if (adam) {
                state.put(name + "/M", firsts.get(name));
                state.put(name + "/V", seconds.get(name));
            } else {
                state.put(name + "/velocity", firsts.get(name));
            }
        }
    }

    /**
     * An array of each parameter's shape, by name, that {@link #step} reads its gradient from without a
     * copy when it is given back as that parameter's gradient: views of the flat gradient array.
     */
    Map<String, INDArray> gradients() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        slots.forEach(s -> m.put(s.name(), s.grad()));
        return Collections.unmodifiableMap(m);
    }

    /** The flat array that {@link #gradients()} are views of. */
    INDArray flatGradients() {
        return grad;
    }

    /**
     * Views of a flat array of every parameter's elements in the layout of {@link #gradients()} (parameters
     * in {@code params}' order, each row-major): an array shaped like the optimiser's flat gradient.
     */
    static Map<String, INDArray> views(INDArray flat, Map<String, INDArray> params) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            long end = offset + e.getValue().length();
            m.put(e.getKey(), slice(flat, offset, end, e.getValue().shape()));
            offset = end;
        }
        if (offset != flat.length()) {
            throw new IllegalArgumentException("a flat array of " + flat.length() + " elements for " + offset);
        }
        return Collections.unmodifiableMap(m);
    }

    /** Elements [from, to) of a flat array as an array of {@code shape} (a view: writes go through). */
    private static INDArray slice(INDArray flat, long from, long to, long[] shape) {
        return flat.get(NDArrayIndex.interval(from, to)).reshape('c', shape);
    }

    /** One step from {@code grads} (one per parameter, same shapes). */
    void step(Map<String, INDArray> grads) {
        double lr = schedule.valueAt((int) Math.min(Integer.MAX_VALUE, steps), 0);
        steps++;
        for (Slot s : slots) {
            INDArray g = grads.get(s.name());
            if (g == null) {
                throw new IllegalStateException("no gradient for " + s.name());
            }
            if (g != s.grad()) { // a kernel writes into gradients() itself
                s.grad().assign(g);
            }
        }
        if (spec.type() == OptimizerSpec.Type.ADAMW) {
            first.muli(spec.beta1()).addi(tmp.assign(grad).muli(1 - spec.beta1()));
            second.muli(spec.beta2()).addi(tmp.assign(grad).muli(grad).muli(1 - spec.beta2()));
            double bc1 = 1 - Math.pow(spec.beta1(), steps);
            double bc2 = 1 - Math.pow(spec.beta2(), steps);
            tmp.assign(second).muli(1 / bc2);
            Transforms.sqrt(tmp, false).addi(spec.eps()).rdivi(first).muli(1 / bc1); // (m / bc1) / (sqrt(v / bc2) + eps)
        } else {
            first.muli(spec.momentum()).addi(grad);
            tmp.assign(first);
        }
        tmp.muli(lr);
        for (Slot s : slots) {
            double wd = s.decays() ? spec.weightDecay() : 0;
            if (wd != 0) {
                s.param().muli(1 - lr * wd);
            }
            s.param().subi(s.step());
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
