package dev.grokscope.config;

/**
 * A fully connected network on the concatenated one-hot codes of x and y (width 2p), with
 * {@code depth} hidden layers of {@code width} units and a p-way output layer.
 *
 * @param depth hidden layers; Gromov's f(x) = W (U x)^2 is depth 1
 * @param width units per hidden layer
 * @param activation hidden nonlinearity
 * @param bias whether layers have biases (Gromov: none)
 * @param loss training objective
 * @param initScale multiplies every initial weight (drawn N(0, 1/fan_in)); Omnigrok (Liu et al. 2023)
 *     makes large-init networks grok late and small-init ones early
 */
public record MlpSpec(int depth, int width, Activation activation, boolean bias, Loss loss, double initScale)
        implements ModelSpec {
    public MlpSpec {
        Check.present(activation, "model.activation");
        Check.present(loss, "model.loss");
        Check.range(depth, 1, 16, "model.depth");
        Check.range(width, 1, 65_536, "model.width");
        Check.positive(initScale, "model.initScale");
    }
}
