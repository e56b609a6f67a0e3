package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Precision;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/**
 * How the CPU backend cuts a batch over its threads (seen through recording kernels: the windows and
 * the threads they ran on), what it does with a kernel's failure on a worker, what it says about
 * itself (device string, describe) and its float16 path while cold. Fast, for PIT (RELIABILITY.md).
 */
class CpuBackendSplitTest {
    private static RecordingKernels recorder() {
        return new RecordingKernels("rec", Kernels.scalarF32(), AccurateF64Kernels.INSTANCE);
    }

    /** The rule (CpuBackend.execute): min(threads, n / (threshold/2)) parts, each ceil(n/parts) rounded up to 64. */
    private static List<int[]> expectedRanges(int threads, int n) {
        int parts = threads == 1 || n < CpuBackend.PARALLEL_THRESHOLD ? 1 : Math.min(threads, n / (CpuBackend.PARALLEL_THRESHOLD / 2));
        long per = ((long) n + parts - 1) / parts;
        per = (per + 63) / 64 * 64;
        List<int[]> l = new ArrayList<>();
        for (long from = 0; from < n; from += per) {
            l.add(new int[] {(int) from, (int) Math.min(per, n - from)});
        }
        return l;
    }

    private static List<RecordingKernels.Call> run(int threads, int n) {
        RecordingKernels k = recorder();
        try (CpuBackend b = new CpuBackend(threads, k, k, JitWarmup.NONE, JitWarmup.NONE)) {
            float[] x = new float[n];
            float[] y = new float[n];
            assertSame(Timings.NONE, b.execute(Op.SIGMOID, new Batch(DType.F32, n, List.of(Operand.of(x)), List.of(Operand.of(y)))));
        }
        List<RecordingKernels.Call> calls = new ArrayList<>(k.calls());
        calls.sort(Comparator.comparingInt(c -> c.offsets()[0]));
        return calls;
    }

    @Test
    void aLargeBatchIsOneContiguous64AlignedRangePerThreadOnThePoolsThreads() {
        int[][] cases = {
            {2, 2 * CpuBackend.PARALLEL_THRESHOLD + 1}, // ceil(n/2) is one past a multiple of 64: rounded up, not down
            {2, CpuBackend.PARALLEL_THRESHOLD},          // the threshold itself is split
            {4, CpuBackend.PARALLEL_THRESHOLD + 4500},   // fewer parts than threads: at least threshold/2 each
            {3, 3 * CpuBackend.PARALLEL_THRESHOLD},
        };
        for (int[] c : cases) {
            List<RecordingKernels.Call> calls = run(c[0], c[1]);
            List<int[]> want = expectedRanges(c[0], c[1]);
            assertEquals(want.size(), calls.size(), c[0] + " threads, n=" + c[1]);
            assertTrue(want.size() > 1, "a split case");
            for (int i = 0; i < want.size(); i++) {
                assertArrayEquals(new int[] {want.get(i)[0], want.get(i)[0]}, calls.get(i).offsets(), "range " + i);
                assertEquals(want.get(i)[1], calls.get(i).n(), "range " + i);
                assertTrue(calls.get(i).thread().startsWith("sigbatch-cpu-"), calls.get(i).thread());
            }
        }
    }

    @Test
    void smallBatchesAndOneThreadStayOnTheCallersThread() {
        String me = Thread.currentThread().getName();
        for (int[] c : new int[][] {{2, CpuBackend.PARALLEL_THRESHOLD - 1}, {1, 3 * CpuBackend.PARALLEL_THRESHOLD}, {2, 1}}) {
            List<RecordingKernels.Call> calls = run(c[0], c[1]);
            assertEquals(1, calls.size(), c[0] + " threads, n=" + c[1]);
            assertEquals(c[1], calls.get(0).n());
            assertEquals(me, calls.get(0).thread());
        }
        RecordingKernels k = recorder();
        try (CpuBackend b = new CpuBackend(2, k, k, JitWarmup.NONE, JitWarmup.NONE)) {
            assertSame(Timings.NONE, b.execute(Op.SIGMOID, new Batch(DType.F32, 0, List.of(Operand.of(new float[0])), List.of(Operand.of(new float[0])))));
        }
        assertTrue(k.calls().isEmpty(), "an empty batch calls no kernel");
    }

    @Test
    void aKernelFailureOnAWorkerReachesTheCallerAsItself() {
        int n = 2 * CpuBackend.PARALLEL_THRESHOLD;
        RecordingKernels k = recorder();
        Boom boom = new Boom();
        k.after = c -> {
            throw boom;
        };
        try (CpuBackend b = new CpuBackend(2, k, k, JitWarmup.NONE, JitWarmup.NONE)) {
            Batch batch = new Batch(DType.F64, n, List.of(Operand.of(new double[n])), List.of(Operand.of(new double[n])));
            // the same type (ForkJoinPool may rethrow a copy with the original as its cause), not wrapped
            Boom got = assertThrows(Boom.class, () -> b.execute(Op.SIGMOID, batch));
            assertTrue(got == boom || got.getCause() == boom, got.toString());
            k.after = c -> {
                throw new Crash();
            };
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.execute(Op.SIGMOID, batch));
            assertTrue(e.getCause() instanceof Crash, "an Error is wrapped, with itself (or its copy) as the cause: " + e);
        }
    }

    /** A kernel's own unchecked exception. */
    public static final class Boom extends RuntimeException {
        public Boom() {
            super("boom");
        }

        public Boom(Throwable cause) {
            super("boom", cause);
        }
    }

    /** A kernel's Error (not a RuntimeException). */
    public static final class Crash extends Error {
        public Crash() {
            super("crash");
        }

        public Crash(Throwable cause) {
            super("crash", cause);
        }
    }

    @Test
    void anInterruptedCallerStopsWaitingAndKeepsItsInterrupt() {
        int n = 2 * CpuBackend.PARALLEL_THRESHOLD;
        RecordingKernels k = recorder();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        k.after = c -> { // the workers wait until the caller has given up, so that it is still waiting when interrupted
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (CpuBackend b = new CpuBackend(2, k, k, JitWarmup.NONE, JitWarmup.NONE)) {
            Batch batch = new Batch(DType.F32, n, List.of(Operand.of(new float[n])), List.of(Operand.of(new float[n])));
            Thread.currentThread().interrupt();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.execute(Op.SIGMOID, batch));
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller's caller (and cleared here)");
            assertTrue(e.getMessage().contains("interrupted") && e.getCause() instanceof InterruptedException, e.toString());
        } finally {
            release.countDown();
        }
    }

    @Test
    void theDeviceStringAndDescribeSayWhatRuns() {
        RecordingKernels k = recorder();
        try (CpuBackend one = new CpuBackend(1, k, k, JitWarmup.NONE, JitWarmup.NONE);
             CpuBackend two = new CpuBackend(2, Precision.FAST, new Kernels.F32Choice(k, "rec", "a test"), k, JitWarmup.NONE, JitWarmup.NONE)) {
            assertEquals("cpu: 1 thread, accurate, f32 rec, f64 rec", one.device());
            assertEquals("cpu: 2 threads, fast, f32 rec, f64 rec", two.device());
            assertEquals("cpu", one.id());
            assertEquals(2, two.threads());
            assertSame(k, two.f32Kernels());
            assertSame(k, two.f64Kernels());
            assertSame(Precision.FAST, two.precision());
            assertTrue(one.supports(Op.BACKWARD, DType.BF16));
            assertEquals(0, one.breakEvenElements(Op.SIGMOID, DType.F32));
            Map<String, String> d = two.describe();
            assertEquals("2", d.get("threads"));
            assertEquals("fast", d.get("precision"));
            assertEquals("rec (a test)", d.get("float32 kernels"));
            assertEquals("rec", d.get("float64 kernels"));
            assertTrue(d.get("float16/bfloat16 kernels").startsWith("rec, f64inside-round-"), d.toString());
            assertFalse(d.containsKey("float32 JIT warm-up") || d.containsKey("float64 JIT warm-up"), "no warm-up, no line: " + d);
            assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()), d.get("processors"));
            assertTrue(d.get("java").contains(Runtime.version().toString()), d.get("java"));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend(0, k, k, JitWarmup.NONE, JitWarmup.NONE));
        assertEquals("cpu threads must be >= 1, got 0", e.getMessage());
    }

    @Test
    void describeShowsEachWarmUpThatIsNotNone() {
        RecordingKernels k = recorder();
        JitWarmup w32 = JitWarmup.manual("k32", k, true);
        JitWarmup w64 = JitWarmup.manual("k64", k, false);
        try (CpuBackend both = new CpuBackend(1, k, k, w32, w64); CpuBackend only64 = new CpuBackend(1, k, k, JitWarmup.NONE, w64)) {
            Map<String, String> d = both.describe();
            assertTrue(d.get("float32 JIT warm-up").startsWith("in progress for"), d.toString());
            assertTrue(d.get("float64 JIT warm-up").endsWith("k64-stand-in computes meanwhile"), d.toString());
            assertNull(only64.describe().get("float32 JIT warm-up"));
            assertTrue(only64.describe().containsKey("float64 JIT warm-up"));
            float[] x = new float[10];
            Timings t = both.execute(Op.SIGMOID, new Batch(DType.F32, 10, List.of(Operand.of(x)), List.of(Operand.of(new float[10]))));
            assertEquals(both.device() + " (f32 JIT warm-up: part by k32-stand-in, bit-identical; f64 JIT warm-up: part by k64-stand-in)", t.device());
            double[] z = new double[10];
            Timings t64 = only64.execute(Op.SIGMOID, new Batch(DType.F64, 10, List.of(Operand.of(z)), List.of(Operand.of(new double[10]))));
            assertEquals(only64.device() + " (f64 JIT warm-up: part by k64-stand-in)", t64.device());
        }
    }

    @Test
    void theWarmUpFlagPicksBetweenABackgroundWarmUpAndNone() {
        Kernels.F32Choice simd = new Kernels.F32Choice(Kernels.bestF32(), "auto", "test");
        try (CpuBackend on = new CpuBackend(1, Precision.ACCURATE, simd, Kernels.bestF64(), true);
             CpuBackend off = new CpuBackend(1, Precision.ACCURATE, simd, Kernels.bestF64(), false);
             CpuBackend never = CpuBackend.standInsOnly(1, Precision.ACCURATE, simd, Kernels.bestF64())) {
            boolean simdHere = JitWarmup.needsWarmup(Kernels.bestF32());
            assertEquals(simdHere, on.describe().containsKey("float32 JIT warm-up"), on.describe().toString());
            assertFalse(off.describe().containsKey("float32 JIT warm-up"), off.describe().toString());
            if (simdHere) {
                assertTrue(never.describe().get("float32 JIT warm-up").startsWith("off (cpu.warmup=never)"), never.describe().toString());
                Timings t = never.execute(Op.SIGMOID, new Batch(DType.F32, 4, List.of(Operand.of(new float[4])), List.of(Operand.of(new float[4]))));
                assertTrue(t.device().contains("no JIT warm-up (cpu.warmup=never): all by "), t.device());
            }
        }
    }

    @Test
    void warmUpWaitsForBothWarmUps() throws Exception {
        for (boolean f32Last : new boolean[] {true, false}) {
            RecordingKernels k = recorder();
            JitWarmup w32 = JitWarmup.manual("k32", k, true);
            JitWarmup w64 = JitWarmup.manual("k64", k, true);
            JitWarmup first = f32Last ? w64 : w32;
            JitWarmup last = f32Last ? w32 : w64;
            try (CpuBackend b = new CpuBackend(1, k, k, w32, w64)) {
                Thread t = new Thread(() -> {
                    first.markWarm();
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    last.markWarm();
                });
                t.start();
                b.warmUp();
                assertTrue(w32.isWarm() && w64.isWarm(), "warmUp returned before the " + (f32Last ? "float32" : "float64") + " warm-up was done");
                t.join();
            }
        }
    }

    @Test
    void halfPrecisionRunsTheFloat64StandInWhileColdWithTheSameBits() {
        int n = 3000;
        short[] x = new short[n];
        for (int i = 0; i < n; i++) {
            x[i] = (short) (i * 21 + 7); // spread over the 16-bit patterns, both signs
        }
        RecordingKernels standIn = recorder();
        JitWarmup w64 = JitWarmup.manual("k64", standIn, true);
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            short[] cold = new short[n];
            short[] warm = new short[n];
            try (CpuBackend c = new CpuBackend(1, recorder(), recorder(), JitWarmup.NONE, w64);
                 CpuBackend h = new CpuBackend(1, recorder(), recorder(), JitWarmup.NONE, JitWarmup.NONE)) {
                int before = standIn.calls().size();
                Timings tc = c.execute(Op.DERIVATIVE, new Batch(t, n, List.of(new Operand.HalfArray(t, x, 0, n)), List.of(new Operand.HalfArray(t, cold, 0, n))));
                assertTrue(standIn.calls().size() > before, "the float64 stand-in computed the cold call");
                assertTrue(tc.device().contains("part by k64-stand-in"), tc.device());
                assertSame(Timings.NONE, h.execute(Op.DERIVATIVE, new Batch(t, n, List.of(new Operand.HalfArray(t, x, 0, n)), List.of(new Operand.HalfArray(t, warm, 0, n)))));
                assertArrayEquals(warm, cold, t + ": every result is correctly rounded, cold or warm");
            }
        }
    }
}
