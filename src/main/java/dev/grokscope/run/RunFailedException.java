package dev.grokscope.run;

import java.nio.file.Path;

/** Training failed at run time; the run directory is marked failed and holds the details. */
public final class RunFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Path runDir;

    public RunFailedException(Path runDir, Throwable cause) {
        super(cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        this.runDir = runDir;
    }

    public Path runDir() {
        return runDir;
    }
}
