package org.sigbatch.cli;

/**
 * A problem with what the user gave us (a file, an option value): reported as one line, exit code
 * {@link ExitCodes#BAD_INPUT} unless another code is given.
 */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public UserError(String message) {
        this(message, ExitCodes.BAD_INPUT);
    }

    public UserError(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
