package dev.grokscope.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where the run directory goes and how progress is shown.
 *
 * @param root directory that holds run directories
 * @param name the run directory's name under root; empty: the config's file name plus a timestamp
 * @param progress bar on a terminal and log lines otherwise (auto), or force one, or none
 * @param report write {@code report/} (figures and report.html) when the run ends
 */
public record OutputSpec(String root, String name, Progress progress, boolean report) {
    public enum Progress {
        @JsonProperty("auto") AUTO,
        @JsonProperty("bar") BAR,
        @JsonProperty("log") LOG,
        @JsonProperty("none") NONE
    }

    public OutputSpec {
        Check.present(root, "output.root");
        Check.present(name, "output.name");
        Check.present(progress, "output.progress");
        Check.that(!root.isBlank(), "output.root", "must not be empty", "''");
        Check.that(name.isEmpty() || name.matches("[A-Za-z0-9._=,+-]+") && !name.startsWith("."),
                "output.name", "must be a plain directory name (letters, digits, . _ = , + -), not a path", "'" + name + "'");
    }
}
