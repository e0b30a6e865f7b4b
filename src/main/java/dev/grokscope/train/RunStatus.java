package dev.grokscope.train;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a run stands or ended; written to run.json and summary.json. */
public enum RunStatus {
    RUNNING, COMPLETED, FAILED, DIVERGED, INTERRUPTED;

    @JsonValue
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The status a label names ({@code completed} -> COMPLETED), or empty for any other text. */
    public static java.util.Optional<RunStatus> parse(String label) {
        for (RunStatus s : values()) {
            if (s.label().equals(label)) {
                return java.util.Optional.of(s);
            }
        }
        return java.util.Optional.empty();
    }

    /** Whether the run is over and its result stands: completed or diverged (not to be run again). */
    public boolean finished() {
        return this == COMPLETED || this == DIVERGED;
    }
}
