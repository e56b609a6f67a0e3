package org.sigbatch.spi;

/**
 * Split of a call's device time, in nanoseconds; -1 where not measured. Each is a busy time: the
 * length of the union of the intervals in which at least one copy (either direction), or at least
 * one kernel, ran on the device ({@link IntervalUnion}), so work overlapping on several streams is
 * counted once and time queued behind another stream is not added. Copies and kernels overlap each
 * other, so the two may add up to more than the call's wall time ({@code Provenance.nanos()}).
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
