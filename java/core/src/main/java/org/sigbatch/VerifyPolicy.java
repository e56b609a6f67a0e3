package org.sigbatch;

import java.util.Locale;

/** How much of each result the facade recomputes on the CPU reference and compares. */
public enum VerifyPolicy {
    /** No check. */
    NONE,
    /** Recompute a random sample of elements per call (see {@link Sigmoid.Builder#sampleSize(int)}). */
    SAMPLE,
    /** Recompute every element. Costs a copy of the inputs and a reference evaluation. */
    FULL;

    public static VerifyPolicy parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown verification policy '" + s + "' (expected none, sample or full)");
        }
    }
}
