package dev.grokscope;

/**
 * Input that breaks a rule: a config field, a file, a command-line argument.
 *
 * <p>The CLI prints {@link #getMessage()} as one line, without a stack trace, and exits with code 2.
 * The message names what is wrong and where, then the rule broken, e.g.
 * {@code configs/x.yaml:3: data.p: must be a prime, got 96}.
 */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
