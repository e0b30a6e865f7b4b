package dev.grokscope.cli;

import picocli.CommandLine.Option;

/** {@code --json} for commands that print a table: JSON on stdout instead of CSV. */
final class JsonOption {
    @Option(names = "--json", description = "print JSON instead of CSV")
    boolean on;
}
