package org.sigbatch.spi;

import java.util.Map;

/**
 * A pluggable backend, found through {@link java.util.ServiceLoader} (register it in
 * {@code META-INF/services/org.sigbatch.spi.BackendProvider}). Modelled on DJL's engine providers:
 * a provider is cheap to construct and touches no native code until {@link #open(Map)}.
 */
public interface BackendProvider {
    /** Stable id: {@code cpu}, {@code opencl}, {@code cuda}. */
    String id();

    /** Preference among available backends for large batches; higher wins. CPU is 0. */
    int rank();

    /**
     * Opens the backend. Missing drivers or libraries are expected, not exceptional: report them by
     * throwing {@link org.sigbatch.BackendUnavailableException} with a reason a person can act on
     * (the facade also catches {@link LinkageError} and other runtime failures and reports those).
     *
     * @param options backend options, e.g. {@code device=1}, {@code platform=NVIDIA}; unknown keys are ignored
     */
    Backend open(Map<String, String> options);

    /**
     * Opens the backend for an evaluator that asked for it by name ({@code byName}) or for AUTO, which
     * opens every provider and may never use this one. A backend may defer costly set-up that AUTO
     * often does not need (OpenCL's context and program) to its first use when not asked for by name;
     * a failure then surfaces on that use as a {@link BackendFailure}, and the CPU computes the call.
     * The default opens as {@link #open(Map)} does.
     */
    default Backend open(Map<String, String> options, boolean byName) {
        return open(options);
    }

    /**
     * Does ahead of time, on a background thread, the part of {@link #open(Map)} that is the same for
     * every evaluator in this JVM and independent of the options (loading native libraries, the
     * driver's own initialisation), so that a later open is faster ({@link org.sigbatch.Sigmoid#preload}).
     * It decides nothing: {@link #open(Map)} still checks and reports everything, and waits for a
     * preload in progress. Must not throw. Default: nothing.
     */
    default void preload() {
    }
}
