package org.sigbatch.cli.npy;

/** A file that is not a readable .npy array of a supported dtype; the message names the file and the problem. */
public final class NpyFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }
}
