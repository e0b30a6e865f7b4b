package dev.grokscope.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code f(x) = x^2}, {@code f'(x) = 2x}: the activation of Gromov 2023's grokking MLP. */
public final class QuadraticActivation extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        return in.muli(in);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        return new Pair<>(in.muli(2).muli(epsilon), null);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuadraticActivation;
    }

    @Override
    public int hashCode() {
        return 17;
    }

    @Override
    public String toString() {
        return "quadratic";
    }
}
