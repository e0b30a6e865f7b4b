package dev.grokscope.spectra;

/**
 * A spectrum could not be computed correctly: every route produced a result that failed verification
 * (see {@link SpectrumCheck}) or crashed.
 *
 * <p>Unchecked on purpose: it signals a broken numerical backend, not bad input, and callers are not
 * expected to recover. The message names the matrix shape and the violated check, e.g.
 * {@code 512x2048: sum of s^2 = 1.2e6 but ||W||_F^2 = 1.0e6 (relative error 2.0e-1 > 1e-8)}.
 */
public final class SpectrumException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SpectrumException(String message) {
        super(message);
    }

    public SpectrumException(String message, Throwable cause) {
        super(message, cause);
    }
}
