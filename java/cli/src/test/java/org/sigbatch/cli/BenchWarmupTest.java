package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/** The bench warm-up criterion on a simulated clock: each call advances it by a programmed time. */
class BenchWarmupTest {
    /** A fake clock and a call that advances it by {@code nanosOfCall.applyAsLong(callIndex)} (or of the clock, with {@link #byTime}). */
    static final class Sim {
        long now;
        int calls;
        final IntToLongFunction nanosOfCall;
        final boolean byTime;

        Sim(IntToLongFunction nanosOfCall) {
            this(nanosOfCall, false);
        }

        Sim(IntToLongFunction nanosOfCall, boolean byTime) {
            this.nanosOfCall = nanosOfCall;
            this.byTime = byTime;
        }

        BenchWarmup.Outcome run(double cap) {
            return BenchWarmup.run(() -> {
                now += nanosOfCall.applyAsLong(byTime ? (int) (now / 1000) : calls);
                calls++;
            }, cap, () -> now);
        }
    }

    @Test
    void aKernelThatSpeedsUpOnceIsStableSoonAfterAndReportsTheFastTime() {
        // 0.2 s of steady slow calls (not yet compiled) at 100 µs, then 10 µs per call for good (compiled)
        Sim s = new Sim(i -> i < 2000 ? 100_000 : 10_000);
        BenchWarmup.Outcome o = s.run(10);
        assertTrue(o.stable(), o.toString());
        assertFalse(o.off());
        assertNull(o.problem());
        assertEquals(10e-6, o.perCall(), 1e-12);
        assertTrue(s.calls > 2000, "it must not stop while the kernel is still slow: " + s.calls + " calls");
        assertTrue(o.samples() >= 2 * BenchWarmup.WINDOW);
    }

    @Test
    void aKernelStillSpeedingUpIsNotStableAndTheCapEndsTheWarmup() {
        // calls getting faster all the time: 10x every 0.23 s, so each window (>= 10 ms) is > 5% faster than the one before
        Sim s = new Sim(us -> Math.max(1, (long) (1_000_000 * Math.exp(-us / 100_000.0))), true);
        BenchWarmup.Outcome o = s.run(0.5);
        assertFalse(o.stable(), o.toString());
        assertTrue(o.seconds() >= 0.5 && o.seconds() < 0.6, o.toString());
        assertTrue(o.problem().startsWith("not stable after 0.5 s"), o.problem());
    }

    @Test
    void oneSlowSampleInAWindowDoesNotPreventStability() {
        // steady 50 µs per call with a 5 ms hiccup every 97 calls (a preemption): the medians ignore it
        Sim s = new Sim(i -> i % 97 == 0 ? 5_000_000 : 50_000);
        BenchWarmup.Outcome o = s.run(10);
        assertTrue(o.stable(), o.toString());
        assertTrue(o.seconds() < 1, o.toString());
    }

    @Test
    void aCapOfZeroMeansTwoCallsAndIsReportedAsOff() {
        Sim s = new Sim(i -> 1000);
        BenchWarmup.Outcome o = s.run(0);
        assertEquals(2, s.calls);
        assertTrue(o.off());
        assertFalse(o.stable());
        assertEquals("warm-up off", o.problem());
    }

    @Test
    void samplesLastAboutTwoMilliseconds() {
        int n = BenchWarmup.callsPerSample(1e-6);
        assertTrue(n == 2000 || n == 2001, "2 ms of 1 µs calls: " + n);
        assertEquals(1, BenchWarmup.callsPerSample(0.5));
        assertEquals(1_000_000, BenchWarmup.callsPerSample(0));
    }
}
