package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * JitWarmup's state machine on a fake clock, run on the test's thread (JitWarmup.forTest, runHere):
 * deterministic and fast, so PIT can run it (JitWarmupTest, with real time and a fresh JVM, is
 * excluded there). The ops advance the fake clock by what a real op would take, so every round's time,
 * the cap, the give-up and the messages are exact.
 */
@Timeout(60) // a broken state machine loops; this makes it a failure, not a hang
class JitWarmupStateTest {
    private static final long MS = 1_000_000L;
    private static final long US = 1_000L;
    private static final int CALLS_PER_ROUND = JitWarmup.CALLS_PER_ROUND; // CALLS of 64 and of 67 elements, one of LONG
    private static final int STAND_IN_ROUNDS = JitWarmup.STAND_IN_ROUNDS;

    interface OnSleep {
        void run(long millis) throws InterruptedException;
    }

    /** Time moves only when an op or a pause moves it. */
    static final class FakeClock implements WarmupClock {
        long now = 5_000 * MS; // not 0: a start time that is used wrongly shows
        final List<Long> sleeps = new ArrayList<>();
        OnSleep onSleep = ms -> { };

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            sleeps.add(millis);
            now += millis * MS;
            onSleep.run(millis);
        }
    }

    /** An op whose call costs {@code cost(round)} ns of fake time; records the sizes it was called with. */
    static final class Op implements IntConsumer {
        final FakeClock clock;
        IntToLongFunction cost;
        final List<Integer> sizes = new ArrayList<>();
        Runnable onCall = () -> { };

        Op(FakeClock clock, IntToLongFunction cost) {
            this.clock = clock;
            this.cost = cost;
        }

        @Override
        public void accept(int m) {
            onCall.run();
            clock.now += cost.applyAsLong(sizes.size() / CALLS_PER_ROUND);
            sizes.add(m);
        }

        int rounds() {
            return sizes.size() / CALLS_PER_ROUND;
        }
    }

    private static JitWarmup warmup(Op[] hot, Op[] standIn, long cap, long giveUp, FakeClock c) {
        return JitWarmup.forTest(hot, standIn, cap, giveUp, c);
    }

    private static String us(long perCall) {
        return String.format(Locale.ROOT, "%.1f µs", perCall * CALLS_PER_ROUND / 1e3);
    }

    @Test
    void aCompiledKernelIsWarmAfterThreeRoundsPerOpAfterTheStandInsOwnRounds() {
        FakeClock c = new FakeClock();
        Op[] hot = {new Op(c, r -> MS), new Op(c, r -> MS)};
        Op[] si = {new Op(c, r -> MS), new Op(c, r -> MS)}; // as fast as the SIMD kernel: within 2×
        JitWarmup w = warmup(hot, si, 60_000 * MS, 600_000 * MS, c);
        String[] during = new String[1];
        hot[0].onCall = () -> during[0] = during[0] == null ? w.status() : during[0];
        long start = c.now;
        w.runHere();
        assertTrue(w.isWarm() && w.released(), w.status());
        for (int op = 0; op < 2; op++) {
            assertEquals(3 * CALLS_PER_ROUND, hot[op].sizes.size(), "op " + op + ": three rounds of the SIMD kernel");
            assertEquals((STAND_IN_ROUNDS + 3) * CALLS_PER_ROUND, si[op].sizes.size(), "op " + op + ": the stand-in's rounds, then one per SIMD round");
            for (int i = 0; i < hot[op].sizes.size(); i++) {
                int k = i % CALLS_PER_ROUND;
                int want = k == CALLS_PER_ROUND - 1 ? JitWarmup.LONG : k % 2 == 0 ? 64 : 67;
                assertEquals(want, hot[op].sizes.get(i), "call " + i + ": 64 and 67 elements (so the tail is compiled too), then one long window");
            }
        }
        // the stand-in's rounds of 2 ops, then 3 rounds of 2 ops of SIMD and stand-in, 1 ms per call
        long standInMs = STAND_IN_ROUNDS * 2L * CALLS_PER_ROUND;
        long totalMs = standInMs + 3 * 2 * 2L * CALLS_PER_ROUND;
        assertEquals(String.format(Locale.ROOT, "in progress for %.2f s; test-stand-in computes meanwhile", standInMs / 1e3), during[0]);
        assertEquals(totalMs * MS, c.now - start);
        assertEquals(String.format(Locale.ROOT, "done: test-kernel compiled after %.2f s", totalMs / 1e3), w.status());
        assertTrue(c.sleeps.isEmpty());
    }

    @Test
    void withinTwiceTheStandInsBestIsStrict() {
        FakeClock c = new FakeClock();
        Op[] hot = {new Op(c, r -> 2 * US)};
        Op[] si = {new Op(c, r -> US)};
        JitWarmup w = warmup(hot, si, 1_000 * MS, 2_000 * MS, c);
        w.runHere();
        assertFalse(w.isWarm());
        assertEquals("gave up after 2 s: test-kernel is not within 2× of test-stand-in (sigmoid: 0 of 3 rounds within 2×, best "
                + us(2 * US) + " against " + us(US) + "); using test-stand-in", w.status());
        assertTrue(w.released());

        FakeClock c2 = new FakeClock();
        Op[] hot2 = {new Op(c2, r -> 2 * US - 1)};
        JitWarmup w2 = warmup(hot2, new Op[] {new Op(c2, r -> US)}, 1_000 * MS, 2_000 * MS, c2);
        w2.runHere();
        assertTrue(w2.isWarm(), w2.status());
        assertEquals(3, hot2[0].rounds());
    }

    @Test
    void winsNeedNotBeConsecutiveAndAWarmOpIsNoLongerTimed() {
        FakeClock c = new FakeClock();
        Op[] hot = {new Op(c, r -> r % 2 == 0 ? 10 * MS : MS), new Op(c, r -> MS)}; // op 0 wins every other round
        Op[] si = {new Op(c, r -> MS), new Op(c, r -> MS)};
        JitWarmup w = warmup(hot, si, 60_000 * MS, 600_000 * MS, c);
        w.runHere();
        assertTrue(w.isWarm(), w.status());
        assertEquals(6, hot[0].rounds(), "op 0: wins in rounds 2, 4 and 6");
        assertEquals(3, hot[1].rounds(), "op 1: warm after 3 rounds, then left alone");
        assertEquals(STAND_IN_ROUNDS + 6, si[0].rounds());
        assertEquals(STAND_IN_ROUNDS + 3, si[1].rounds());
    }

    @Test
    void theComparisonIsAgainstTheStandInsBestRoundAndTheMessageGivesBothBests() {
        FakeClock c = new FakeClock();
        // SIMD 300 ns/call in its first round, 400 after; stand-in (after its own 20 rounds) 1000 then 100
        Op[] hot = {new Op(c, r -> r == 0 ? 300 : 400), new Op(c, r -> 10)};
        Op[] si = {new Op(c, r -> r < STAND_IN_ROUNDS ? 0 : r == STAND_IN_ROUNDS ? 1000 : 100), new Op(c, r -> 10)};
        JitWarmup w = warmup(hot, si, 10 * MS, 10 * MS, c);
        w.runHere();
        assertFalse(w.isWarm());
        assertEquals("gave up after 0.0 s: test-kernel is not within 2× of test-stand-in (sigmoid: 1 of 3 rounds within 2×, best "
                + us(300) + " against " + us(100) + "); using test-stand-in", w.status(), "op 1 was warm, so only op 0 is named");
        assertEquals(3, hot[1].rounds());
    }

    @Test
    void pastTheCapWaitersAreReleasedAndTheWarmUpGoesOnSlowlyUntilWarm() {
        FakeClock c = new FakeClock();
        Op[] hot = {new Op(c, r -> 10 * MS)}; // uncompiled: 10× the stand-in
        Op[] si = {new Op(c, r -> MS)};
        JitWarmup w = warmup(hot, si, 1_000 * MS, 100_000 * MS, c);
        List<String> atSleep = new ArrayList<>();
        c.onSleep = ms -> {
            if (atSleep.isEmpty()) {
                atSleep.add(w.status());
                atSleep.add(w.released() + " " + w.isWarm() + " " + hot[0].rounds());
                hot[0].cost = r -> MS; // the JIT got there
            }
        };
        long start = c.now;
        w.runHere();
        // stand-in rounds of 1 ms per call, then rounds of 11 ms per call: the first round to end past the 1 s cap
        long standInMs = STAND_IN_ROUNDS * (long) CALLS_PER_ROUND;
        int late = (int) ((1_000 - standInMs) / (11 * CALLS_PER_ROUND) + 1);
        assertEquals("not compiled after 1 s, still trying: test-kernel is not within 2× of test-stand-in (sigmoid: 0 of 3 rounds within 2×, best "
                + us(10 * MS) + " against " + us(MS) + "); test-stand-in computes meanwhile", atSleep.get(0));
        assertEquals("true false " + late, atSleep.get(1), "released at the cap, not warm");
        assertEquals(List.of(250L, 250L, 250L), c.sleeps, "a pause after each late round until the third win");
        assertTrue(w.isWarm(), w.status());
        assertEquals(late + 3, hot[0].rounds());
        assertEquals(String.format(Locale.ROOT, "done: test-kernel compiled after %.2f s", (c.now - start) / 1e9), w.status());
    }

    @Test
    void theCapAndTheGiveUpAreStrictlyPassedAndLateRoundsPause() {
        FakeClock c = new FakeClock();
        Op[] hot = {new Op(c, r -> MS)}; // a round takes R = CALLS_PER_ROUND ms
        Op[] si = {new Op(c, r -> 0)}; // nothing is within 2× of 0
        List<Integer> roundsAtSleep = new ArrayList<>();
        c.onSleep = ms -> roundsAtSleep.add(hot[0].rounds());
        // rounds end at R..6R: 5R is the cap, not past it; then 250 ms pauses: 7R + 250 | 8R + 500 = give-up, not past | 9R + 750
        long round = CALLS_PER_ROUND * MS;
        long giveUp = 8 * round + 500 * MS;
        JitWarmup w = warmup(hot, si, 5 * round, giveUp, c);
        w.runHere();
        assertEquals(List.of(6, 7, 8), roundsAtSleep);
        assertEquals(9, hot[0].rounds());
        String after = String.format(Locale.ROOT, "gave up after %.1f s: ", giveUp / 1e9);
        assertTrue(w.status().startsWith(after + "test-kernel is not within 2× of test-stand-in (sigmoid: 0 of 3"), w.status());
        assertTrue(w.status().endsWith("); using test-stand-in"), w.status());
    }

    @Test
    void aFailingOpOrAnInterruptEndsTheWarmUpOnTheStandIn() {
        for (int k = 0; k < 3; k++) {
            FakeClock c = new FakeClock();
            int kind = k;
            Op[] hot = {new Op(c, r -> {
                if (kind == 0) {
                    throw new IllegalStateException("kernel bug");
                }
                if (kind == 1) {
                    throw new StackOverflowError("kernel bug");
                }
                return 10 * MS;
            })};
            c.onSleep = ms -> {
                throw new InterruptedException();
            };
            JitWarmup w = warmup(hot, new Op[] {new Op(c, r -> MS)}, 100 * MS, 10_000 * MS, c);
            w.runHere();
            assertEquals(kind == 2, Thread.interrupted(), "an interrupt is kept (and cleared here)");
            assertFalse(w.isWarm());
            assertTrue(w.released(), "waiters are released");
            assertTrue(w.status().startsWith("gave up after 10 s: test-kernel is not within 2× of test-stand-in"), w.status());
        }
    }

    @Test
    void aStartedWarmUpRunsOnANamedLowPriorityDaemonThread() {
        List<Thread> threads = new ArrayList<>();
        IntConsumer hot = m -> threads.add(Thread.currentThread());
        IntConsumer standIn = m -> { // at least a microsecond per call: the no-op SIMD op is within 2× of it
            long t0 = System.nanoTime();
            while (System.nanoTime() - t0 < 1_000) {
                Thread.onSpinWait();
            }
        };
        JitWarmup w = JitWarmup.startForTest(new IntConsumer[] {hot}, new IntConsumer[] {standIn}, 60_000 * MS, 600_000 * MS);
        w.await();
        assertTrue(w.isWarm(), w.status());
        Thread t = threads.get(0);
        assertEquals("sigbatch-jit-warmup-test-kernel", t.getName());
        assertTrue(t.isDaemon());
        assertEquals(Thread.MIN_PRIORITY, t.getPriority());
    }

    @Test
    void theSystemClockMovesAndItsSleepWaits() throws InterruptedException {
        long t0 = WarmupClock.SYSTEM.nanoTime();
        WarmupClock.SYSTEM.sleep(2);
        assertTrue(WarmupClock.SYSTEM.nanoTime() - t0 >= 2 * MS, "Thread.sleep(2) waits at least 2 ms");
    }
}
