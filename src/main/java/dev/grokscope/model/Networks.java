package dev.grokscope.model;

import dev.grokscope.config.Experiment;
import dev.grokscope.config.MlpSpec;
import dev.grokscope.config.TransformerSpec;

/** Builds the network an experiment asks for. */
public final class Networks {
    private Networks() {
    }

    public static Network build(Experiment e) {
        long initSeed = e.seeds().init();
        if (e.model() instanceof MlpSpec m) {
            return Mlp.build(m, e.data().p(), e.optimizer(), e.training(), initSeed);
        }
        if (e.model() instanceof TransformerSpec t) {
            return Transformer.build(t, e.data().p(), e.optimizer(), e.training(), initSeed);
        }
        throw new IllegalArgumentException("no builder for model " + e.model().getClass().getSimpleName());
    }
}
