package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;
import org.sigbatch.spi.Timings;

class JitWarmupTest {
    /** A stand-in that records the windows it computed and declares the SIMD kernel warm after {@code coldCalls} calls. */
    static final class Recording extends DelegatingF32 {
        final List<int[]> calls = new ArrayList<>();
        JitWarmup warmup;
        final int coldCalls;

        Recording(F32Kernels inner, int coldCalls) {
            super(inner);
            this.coldCalls = coldCalls;
        }

        @Override
        void called(int offset, int n) {
            synchronized (calls) {
                calls.add(new int[] {offset, n});
                if (calls.size() == coldCalls) {
                    warmup.markWarm();
                }
            }
        }
    }

    private static float[] random(int n) {
        SplittableRandom r = new SplittableRandom(n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = Float.intBitsToFloat(r.nextInt()); // every kind of input, NaN and subnormals included
        }
        return x;
    }

    @Test
    void aColdCallRunsTheStandInBlockByBlockAndSwitchesToSimdWhenWarm() {
        F32Kernels hot = Kernels.bestF32();
        assertTrue(hot instanceof HasScalarTwin<?>, "the default SIMD kernel has a scalar twin: " + hot.name());
        Recording standIn = new Recording(((HasScalarTwin<?>) hot).scalarTwin() instanceof F32Kernels k ? k : null, 2);
        standIn.warmup = JitWarmup.manual(hot.name(), standIn, true);
        int n = 3 * CpuBackend.COLD_BLOCK + 5;
        float[] x = random(n);
        float[] want = new float[n];
        float[] got = new float[n];
        hot.sigmoid(x, 0, want, 0, n);
        CpuBackend b = new CpuBackend(1, hot, AccurateF64Kernels.INSTANCE, standIn.warmup, JitWarmup.NONE);
        assertFalse(b.isWarm(DType.F32), "cold: the stand-in computes");
        assertTrue(b.isWarm(DType.F64) && b.isWarm(DType.F16), "kernels that need no warm-up are warm");
        Timings t = b.execute(Op.SIGMOID, new Batch(DType.F32, n, List.of(new Operand.F32Array(x, 0, n)), List.of(new Operand.F32Array(got, 0, n))));
        // the first two blocks by the stand-in (it declared the SIMD kernel warm on its second call), the rest by SIMD
        assertEquals(2, standIn.calls.size());
        assertArrayEquals(new int[] {0, CpuBackend.COLD_BLOCK}, standIn.calls.get(0));
        assertArrayEquals(new int[] {CpuBackend.COLD_BLOCK, CpuBackend.COLD_BLOCK}, standIn.calls.get(1));
        assertArrayEquals(want, got, "the twin must give the SIMD kernel's bits");
        assertNotNull(t.device(), "a call the stand-in took part in must say so");
        assertTrue(t.device().contains("JIT warm-up: part by") && t.device().contains("bit-identical"), t.device());
        assertTrue(b.isWarm(DType.F32));
        // once warm: no stand-in, no note
        Timings after = b.execute(Op.SIGMOID, new Batch(DType.F32, n, List.of(new Operand.F32Array(x, 0, n)), List.of(new Operand.F32Array(got, 0, n))));
        assertEquals(2, standIn.calls.size());
        assertNull(after.device());
        b.close();
    }

    @Test
    void theJitQuietWaitIsBoundedByItsCapAndDoesNotReturnBeforeIt() {
        // quiet means 100 ms without a completed compilation, longer than this cap: the wait ends at the cap
        long t0 = System.nanoTime();
        JitWarmup.awaitJitQuiet(50);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 50 && ms < 5_000, "waited " + ms + " ms with a 50 ms cap");
    }

    @Test
    void bufferOperandsAreStagedThroughTheStandInToo() {
        F32Kernels hot = Kernels.bestF32();
        Recording standIn = new Recording(Kernels.scalarF32(), Integer.MAX_VALUE);
        standIn.warmup = JitWarmup.manual(hot.name(), standIn, false);
        int n = 10_000;
        float[] x = random(n);
        FloatBuffer in = FloatBuffer.wrap(x);
        FloatBuffer out = FloatBuffer.allocate(n);
        CpuBackend b = new CpuBackend(1, hot, AccurateF64Kernels.INSTANCE, standIn.warmup, JitWarmup.NONE);
        Timings t = b.execute(Op.FUSED, new Batch(DType.F32, n, List.of(new Operand.F32Buffer(in, 0, n)),
                List.of(new Operand.F32Buffer(out, 0, n), new Operand.F32Array(new float[n], 0, n))));
        assertFalse(standIn.calls.isEmpty());
        assertTrue(t.device().contains("part by ") && !t.device().contains("bit-identical"), t.device());
        float[] want = new float[n];
        Kernels.scalarF32().sigmoid(x, 0, want, 0, n);
        assertArrayEquals(want, out.array());
        b.close();
    }

    @Test
    void inAFreshJvmWarmUpEndsWithTheSimdKernelsCompiledAndCallsNoLongerUseTheStandIn() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                WarmupProbe.class.getName()).redirectErrorStream(true).start();
        String out;
        try (var in = p.getInputStream()) {
            assertTrue(p.waitFor(JitWarmup.CAP_SECONDS + 60, TimeUnit.SECONDS), "the probe JVM did not finish");
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        String f32 = line(out, "f32=");
        String f64 = line(out, "f64=");
        assertTrue(f32.startsWith("done"), out); // not "not compiled after" or "gave up": C2 compiled the SIMD kernel
        assertTrue(f64.startsWith("done") || f64.equals("not needed"), out);
        assertFalse(line(out, "device=").contains("JIT warm-up"), out);
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().map(l -> l.substring(prefix.length()))
                .orElseThrow(() -> new AssertionError("no " + prefix + " line in: " + out));
    }

    @Test
    void aLateWarmUpReleasesWaitersAtTheCapAndStillGetsWarmLater() {
        long t0 = System.nanoTime();
        long compiledAt = t0 + 600_000_000L; // the "JIT" compiles the kernel 0.6 s in, past the 0.2 s cap
        IntConsumer hot = n -> {
            if (System.nanoTime() < compiledAt) {
                LockSupport.parkNanos(2_000_000); // uncompiled: far slower than the stand-in
            }
        };
        IntConsumer standIn = n -> LockSupport.parkNanos(1_000);
        JitWarmup w = JitWarmup.startForTest(new IntConsumer[] {hot}, new IntConsumer[] {standIn}, 200_000_000L, 30_000_000_000L);
        w.await();
        assertFalse(w.isWarm(), w.status());
        assertTrue(w.status().startsWith("not compiled after 0.2 s, still trying") && w.status().contains("sigmoid: 0 of 3"), w.status());
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!w.isWarm() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        assertTrue(w.isWarm(), w.status());
        assertTrue(w.status().startsWith("done"), w.status());
    }

    @Test
    void aKernelThatNeverGetsCompiledIsGivenUpOnAfterTheLimit() {
        IntConsumer hot = n -> LockSupport.parkNanos(2_000_000);
        IntConsumer standIn = n -> LockSupport.parkNanos(1_000);
        JitWarmup w = JitWarmup.startForTest(new IntConsumer[] {hot}, new IntConsumer[] {standIn}, 100_000_000L, 400_000_000L);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!w.status().startsWith("gave up") && System.nanoTime() < deadline) {
            LockSupport.parkNanos(10_000_000);
        }
        assertTrue(w.status().startsWith("gave up after 0.4 s"), w.status());
        assertFalse(w.isWarm());
    }

    @Test
    void warmupOffRunsSimdFromTheFirstElementAndBadValuesAreRejected() {
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.CPU).option("cpu.warmup", "off").build()) {
            assertNull(s.describe("cpu").get("float32 JIT warm-up"));
            Provenance p = s.sigmoid(random(1 << 17), new float[1 << 17]);
            assertFalse(p.device().contains("JIT warm-up"), p.device());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Sigmoid.builder().backend(BackendKind.CPU).option("cpu.warmup", "later").build());
        assertTrue(e.getMessage().contains("cpu.warmup must be background, off or never"), e.getMessage());
    }

    @Test
    void warmupNeverMeansTheStandInComputesEverythingAndSaysSo() {
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.CPU).option("cpu.warmup", "never").build()) {
            assertTrue(s.describe("cpu").get("float32 JIT warm-up").startsWith("off (cpu.warmup=never)"), s.describe("cpu").toString());
            s.warmUp(); // returns at once: nothing to wait for
            float[] x = random(1 << 17);
            float[] y = new float[x.length];
            Provenance p = s.sigmoid(x, y);
            assertTrue(p.device().contains("no JIT warm-up (cpu.warmup=never): all by ") && p.device().contains("bit-identical"), p.device());
            float[] want = new float[x.length];
            Kernels.bestF32().sigmoid(x, 0, want, 0, x.length);
            assertArrayEquals(want, y);
        }
    }

    @Test
    void plainJavaKernelsNeedNoWarmupAndSimdKernelsShareOneWarmupPerClass() {
        assertSame(JitWarmup.NONE, JitWarmup.of(Kernels.scalarF32()));
        assertSame(JitWarmup.NONE, JitWarmup.of(AccurateF64Kernels.INSTANCE));
        assertTrue(JitWarmup.NONE.isWarm());
        assertSame(JitWarmup.of(Kernels.bestF32()), JitWarmup.of(Kernels.bestF32()));
    }
}
