package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * A decoder-only transformer on the token sequence {@code [a, b, =]} ('=' is token p, vocabulary p + 1),
 * read out at the last position, as Nanda et al. 2023 (one layer, no LayerNorm) and Power et al. 2022
 * (two layers, LayerNorm, no biases).
 *
 * <p>Rule: {@code dModel == nHeads * dHead} (every reference model has it: 128 = 4 x 32).
 *
 * @param nLayers transformer blocks (attention + MLP)
 * @param dModel width of the residual stream
 * @param nHeads attention heads per block
 * @param dHead width of each head's queries, keys and values
 * @param dMlp hidden width of each block's MLP
 * @param activation the MLP's nonlinearity: relu or gelu (exact, erf-based); no others
 * @param layerNorm off, pre (before attention and MLP, plus a final LayerNorm before the unembedding)
 *     or post (after each residual addition)
 * @param bias whether the MLPs have biases ({@code b_in}, {@code b_out}), as Nanda's model; attention and
 *     unembedding never have biases (neither reference has them)
 * @param positional learned ({@code W_pos}, a parameter) or fixed sinusoidal (Vaswani et al.) embeddings
 * @param embedScale factor on the token embeddings before the positional ones are added; 1 for Nanda,
 *     sqrt(dModel) for Yunis et al.
 * @param loss training objective: cross_entropy on the logits at the last position (the only one)
 * @param initScale multiplies every initial weight (drawn N(0, 1/fan_in) as the PyTorch reference)
 */
public record TransformerSpec(int nLayers, int dModel, int nHeads, int dHead, int dMlp, Activation activation,
                              Norm layerNorm, boolean bias, Positional positional, double embedScale, Loss loss,
                              double initScale) implements ModelSpec {
    /** Where LayerNorms sit, if anywhere. */
    public enum Norm {
        OFF, PRE, POST;

        /** Accepts off/pre/post; YAML 1.1 reads a bare {@code off} as the boolean false, which means off too. */
        @JsonCreator
        public static Norm of(Object value) {
            if (Boolean.FALSE.equals(value)) {
                return OFF;
            }
            if (value instanceof String s) {
                for (Norm n : values()) {
                    if (n.label().equals(s.toLowerCase(Locale.ROOT))) {
                        return n;
                    }
                }
            }
            throw new ConfigException("model.layerNorm", "must be off, pre or post, got " + value);
        }

        @JsonValue
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How positions are told apart. */
    public enum Positional {
        @JsonProperty("learned") LEARNED,
        @JsonProperty("sinusoidal") SINUSOIDAL
    }

    public TransformerSpec {
        Check.present(activation, "model.activation");
        Check.present(layerNorm, "model.layerNorm");
        Check.present(positional, "model.positional");
        Check.present(loss, "model.loss");
        Check.that(activation == Activation.RELU || activation == Activation.GELU, "model.activation",
                "must be relu or gelu for a transformer", activation.name().toLowerCase(Locale.ROOT));
        Check.that(loss == Loss.CROSS_ENTROPY, "model.loss", "must be cross_entropy for a transformer",
                loss.name().toLowerCase(Locale.ROOT));
        Check.range(nLayers, 1, 64, "model.nLayers");
        Check.range(dModel, 1, 8192, "model.dModel");
        Check.range(nHeads, 1, 256, "model.nHeads");
        Check.range(dHead, 1, 8192, "model.dHead");
        Check.range(dMlp, 1, 65_536, "model.dMlp");
        Check.that(dModel == nHeads * dHead, "model.dModel", "must equal nHeads * dHead = " + nHeads + " * " + dHead,
                dModel);
        Check.positive(embedScale, "model.embedScale");
        Check.positive(initScale, "model.initScale");
    }
}
