package org.sigbatch.spi;

/** Split of a call's time, in nanoseconds; -1 where not measured. */
public record Timings(long transferNanos, long kernelNanos) {
    public static final Timings NONE = new Timings(-1, -1);
}
