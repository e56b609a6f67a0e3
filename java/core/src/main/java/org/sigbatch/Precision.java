package org.sigbatch;

import java.util.Locale;

/**
 * Accuracy tiers, after Intel oneMKL VM's HA/LA/EP modes: each tier is a documented error bound,
 * and a backend may run any kernel that meets the bound of the tier it is asked for. Errors are in
 * ULP of the exact value (float32: all 2^32 inputs measured; float64: a dense sample).
 *
 * <p>Set on the builder ({@link Sigmoid.Builder#precision}), by {@code -Dsigbatch.precision},
 * the environment variable {@code SIGBATCH_PRECISION}, or {@code --precision} on the command line;
 * backends receive it as the option {@code precision} ({@code accurate} or {@code fast}).
 * {@link Provenance#precision()} and {@code sigbatch devices} name the tier, and the verifier checks
 * results against {@link #bound(Op, int)}.
 */
public enum Precision {
    /**
     * The default. σ and σ' within 0.501 ULP (float32, every input, subnormal results included:
     * correctly rounded but for a few thousand near-ties), backward within 1 ULP. The verifier's
     * tolerance stays 1 / 2 / 3 ULP (σ / σ' / backward) for every backend.
     */
    ACCURATE(1.0, 2.0, 3.0),
    /**
     * Float arithmetic only, at the full float SIMD width: σ within 3 ULP and σ' within 2.5 ULP
     * (float32, all 2^32 inputs of the CPU kernel: 2.825 and 2.426), backward within 3.5 ULP (measured on
     * a dense sample); subnormal results are computed, not flushed. Still the stable σ' = e/(1+e)² form,
     * never s·(1−s). At about the speed of a C loop with a vector expf in cache, and of a copy on large
     * arrays. float64 has no faster kernel of its own: FAST runs the ACCURATE float64 kernels.
     */
    FAST(3.0, 2.5, 3.5);

    private final double sigma;
    private final double derivative;
    private final double backward;

    Precision(double sigma, double derivative, double backward) {
        this.sigma = sigma;
        this.derivative = derivative;
        this.backward = backward;
    }

    /** The option value and report label: {@code accurate} or {@code fast}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The verifier's bound in ULP for output {@code output} of {@code op} under this tier (float32 and float64). */
    public double bound(Op op, int output) {
        return switch (op) {
            case SIGMOID -> sigma;
            case DERIVATIVE -> derivative;
            case FUSED -> output == 0 ? sigma : derivative;
            case BACKWARD -> backward;
            case BACKWARD_FROM_OUTPUT -> 3.0; // g·y·(1−y) from a given y: the same few roundings in every tier
        };
    }

    /** Parses {@code accurate} or {@code fast}, case-insensitively. */
    public static Precision parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown precision '" + s + "' (expected accurate or fast)");
        }
    }
}
