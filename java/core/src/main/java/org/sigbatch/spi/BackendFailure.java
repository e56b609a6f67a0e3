package org.sigbatch.spi;

/**
 * A backend failed during a call (out of memory, launch failure, lost device, ...). Elements
 * {@code [0, completed)} of every output are final; the facade recomputes the rest on the CPU.
 */
public class BackendFailure extends Exception {
    private static final long serialVersionUID = 1L;
    private final long completed;

    public BackendFailure(String message, long completed, Throwable cause) {
        super(message, cause);
        if (completed < 0) {
            throw new IllegalArgumentException("completed must be >= 0: " + completed);
        }
        this.completed = completed;
    }

    public long completed() {
        return completed;
    }
}
