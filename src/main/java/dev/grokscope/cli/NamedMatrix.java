package dev.grokscope.cli;

/**
 * A float64 matrix with the stable name analysis reports it under, and where it came from.
 *
 * @param name e.g. {@code layers.0.W} (run directories, DL4J models) or a SameDiff variable name
 * @param source the file it was read from, for messages
 * @param values row-major, rectangular, non-empty, finite
 */
record NamedMatrix(String name, String source, double[][] values) {
    int rows() {
        return values.length;
    }

    int cols() {
        return values[0].length;
    }
}
