package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A lottery-ticket mask (Frankle &amp; Carbin 2019, one-shot, as Yunis et al. 2024 prune): the run trains
 * with a fixed fraction of the weights of every 2-D weight matrix except the output layer, the others
 * held at exactly zero. The mask is drawn from the weights of another state, typically the dense run's
 * final state; the run itself starts from a rewind state ({@code grokscope run --from RUN@EPOCH}).
 *
 * @param from the state the mask is drawn from (RUN, RUN@EPOCH or a state file); empty: no mask
 * @param keep the fraction of the masked matrices' weights kept, in (0, 1]
 * @param kind {@code magnitude}: the largest |w| over all masked matrices together (one global
 *     threshold); {@code random}: the same number per matrix as the magnitude mask, drawn uniformly
 *     with the experiment's mask seed (the control)
 */
public record MaskSpec(String from, double keep, Kind kind) {
    /** How the kept weights are chosen. */
    public enum Kind {
        @JsonProperty("magnitude") MAGNITUDE,
        @JsonProperty("random") RANDOM
    }

    public MaskSpec {
        Check.present(from, "mask.from");
        Check.present(kind, "mask.kind");
        Check.that(keep > 0 && keep <= 1, "mask.keep", "must be in (0, 1]", keep);
        Check.that(!from.isEmpty() || (keep == 1 && kind == Kind.MAGNITUDE), "mask.from",
                "must name the state the mask is drawn from (RUN, RUN@EPOCH or a state file) when mask.keep or mask.kind is set",
                "''");
    }

    /** Whether the run trains under a mask. */
    public boolean enabled() {
        return !from.isEmpty();
    }
}
