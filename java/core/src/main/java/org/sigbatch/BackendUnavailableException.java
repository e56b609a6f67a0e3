package org.sigbatch;

/** An explicitly requested backend cannot be used here; the message says why. */
public class BackendUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String backend;

    public BackendUnavailableException(String backend, String reason) {
        this(backend, reason, null);
    }

    public BackendUnavailableException(String backend, String reason, Throwable cause) {
        super(backend + " unavailable: " + reason, cause);
        this.backend = backend;
    }

    public String backend() {
        return backend;
    }
}
