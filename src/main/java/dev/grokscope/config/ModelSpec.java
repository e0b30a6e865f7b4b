package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** The network to train; {@code model.type} picks the kind, whose defaults come from {@code models.<type>}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = MlpSpec.class, name = "mlp"),
        @JsonSubTypes.Type(value = TransformerSpec.class, name = "transformer")})
public sealed interface ModelSpec permits MlpSpec, TransformerSpec {
    /** The loss the model is trained on. */
    Loss loss();
}
