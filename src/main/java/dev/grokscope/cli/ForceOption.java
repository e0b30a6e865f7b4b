package dev.grokscope.cli;

import picocli.CommandLine.Option;

/** {@code --force} for commands that write files: an existing output is moved aside ({@link OutputFiles}) instead of refused. */
final class ForceOption {
    @Option(names = "--force", description = "move existing output aside instead of refusing")
    boolean on;
}
