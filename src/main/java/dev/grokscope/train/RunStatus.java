package dev.grokscope.train;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a run stands or ended; written to run.json and summary.json. */
public enum RunStatus {
    RUNNING, COMPLETED, FAILED, DIVERGED, INTERRUPTED;

    @JsonValue
    public String label() {
        return name().toLowerCase();
    }
}
