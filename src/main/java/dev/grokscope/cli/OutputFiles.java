package dev.grokscope.cli;

import dev.grokscope.BadInputException;
import dev.grokscope.run.ExperimentRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The rule for files a post-hoc command writes: never overwrite a result; {@code --force} moves it aside. */
final class OutputFiles {
    private OutputFiles() {
    }

    /**
     * Checks that {@code file} may be written: absent, or {@code force} (then it is moved aside to
     * {@code <file>.replaced-<time>} when {@link #clear} is called). Creates nothing.
     *
     * @throws BadInputException when it exists and {@code force} is off
     */
    static void check(Path file, boolean force) {
        if (Files.exists(file) && !force) {
            throw new BadInputException(file + ": exists; choose another --out or pass --force (moves it aside)");
        }
    }

    /** After every check passed and the result is computed: moves an existing file aside. */
    static void clear(Path file) throws IOException {
        Path aside = dev.grokscope.results.RunDirectory.moveAside(file);
        if (aside != null) {
            System.err.println("grokscope: moved the earlier " + file.getFileName() + " to " + aside);
        }
    }
}
