package org.sigbatch.cli;

/** Exit codes of every sigbatch command (documented in docs/cli.md). */
public final class ExitCodes {
    private ExitCodes() {
    }

    public static final int OK = 0;
    /** An unexpected internal error (a bug, or an I/O error not caused by the input). */
    public static final int FAILURE = 1;
    /** Bad input: unreadable or invalid .npy file, bad option value, missing option, bad output path. */
    public static final int BAD_INPUT = 2;
    /** A backend that was asked for explicitly is not available here (or cannot do the operation). */
    public static final int BACKEND_UNAVAILABLE = 3;
    /** A result disagreed with the CPU reference by more than its ULP bound. */
    public static final int VERIFICATION_FAILED = 4;
}
