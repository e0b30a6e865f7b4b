package dev.grokscope.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Exact GELU (Hendrycks &amp; Gimpel 2016), {@code f(x) = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))},
 * {@code f'(x) = Phi(x) + x phi(x)}. Written out because M2.1's {@code preciseGelu} computes another
 * formula and its {@code gelu} is the sigmoid approximation.
 */
public final class ExactGeluActivation extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        INDArray cdf = erf(in.mul(INV_SQRT2)).addi(1).muli(0.5);
        return in.muli(cdf);
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        assertShape(in, epsilon);
        INDArray cdf = erf(in.mul(INV_SQRT2)).addi(1).muli(0.5);
        INDArray pdf = Transforms.exp(in.mul(in).muli(-0.5), false).muli(INV_SQRT_2PI);
        INDArray grad = pdf.muli(in).addi(cdf);
        return new Pair<>(in.assign(grad).muli(epsilon), null);
    }

    /** erf applied in place to {@code x}. */
    private static INDArray erf(INDArray x) {
        return Nd4j.exec(new Erf(x, x));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExactGeluActivation;
    }

    @Override
    public int hashCode() {
        return 19;
    }

    @Override
    public String toString() {
        return "gelu";
    }
}
