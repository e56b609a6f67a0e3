package org.sigbatch.spi;

/**
 * Split of a call's time, in nanoseconds; -1 where not measured.
 *
 * @param device what ran this call when it differs from {@link Backend#device()} (e.g. the CPU's JIT
 *               warm-up stand-in took part), else null
 */
public record Timings(long transferNanos, long kernelNanos, String device) {
    public static final Timings NONE = new Timings(-1, -1);

    public Timings(long transferNanos, long kernelNanos) {
        this(transferNanos, kernelNanos, null);
    }
}
