package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Which kernels JitWarmup warms up, with which stand-in, what it says about them, and what its exercise
 * feeds the kernels: fast and without a warm-up thread of its own beyond the shared one (for PIT;
 * JitWarmupTest covers the real warm-up and is excluded there).
 */
class JitWarmupKernelsTest {
    private static F32Kernels simd32() {
        F32Kernels k = Kernels.bestF32();
        Assumptions.assumeTrue(JitWarmup.needsWarmup(k), "needs the Vector API kernels: " + k.name());
        return k;
    }

    @Test
    void onlyTheVectorApiKernelsNeedAWarmUp() {
        assertFalse(JitWarmup.needsWarmup(Kernels.scalarF32()));
        assertFalse(JitWarmup.needsWarmup(AccurateF64Kernels.INSTANCE));
        assertTrue(JitWarmup.needsWarmup(simd32()));
        assertTrue(JitWarmup.needsWarmup(Kernels.bestF64()));
        assertSame(JitWarmup.NONE, JitWarmup.never(Kernels.scalarF32()));
        assertSame(JitWarmup.NONE, JitWarmup.never(AccurateF64Kernels.INSTANCE));
        assertSame(JitWarmup.NONE, JitWarmup.of(Kernels.scalarF32()));
        assertSame(JitWarmup.NONE, JitWarmup.of(AccurateF64Kernels.INSTANCE));
    }

    @Test
    void noneIsWarmAndNeedsNothing() {
        JitWarmup n = JitWarmup.NONE;
        assertTrue(n.isWarm());
        assertTrue(n.released());
        assertNull(n.standIn());
        assertEquals("not needed", n.status());
        n.await(); // returns at once
    }

    @Test
    void neverMeansTheTwinOrTheScalarKernelsComputeEverything() {
        F32Kernels hot = simd32();
        JitWarmup w = JitWarmup.never(hot);
        Object twin = ((HasScalarTwin<?>) hot).scalarTwin();
        assertSame(twin, w.standIn(), "a kernel with a scalar twin gets it as its stand-in");
        assertTrue(w.bitIdentical());
        assertFalse(w.isWarm());
        assertTrue(w.released(), "nothing to wait for");
        String name = ((F32Kernels) twin).name();
        assertEquals("off (cpu.warmup=never): " + name + " computes everything", w.status());
        assertEquals("no JIT warm-up (cpu.warmup=never): all by " + name + ", bit-identical", w.standInNote());

        JitWarmup w64 = JitWarmup.never(Kernels.bestF64());
        assertSame(AccurateF64Kernels.INSTANCE, w64.standIn(), "no twin: the portable float64 kernels");
        assertFalse(w64.bitIdentical());
        assertEquals("no JIT warm-up (cpu.warmup=never): all by " + AccurateF64Kernels.INSTANCE.name(), w64.standInNote());

        Kernels.F32Candidate fast = Kernels.f32Candidate(Kernels.FAST);
        if (fast.present() && !(fast.kernels() instanceof HasScalarTwin<?>)) {
            JitWarmup wf = JitWarmup.never(fast.kernels());
            assertSame(ScalarF32Kernels.INSTANCE, wf.standIn());
            assertFalse(wf.bitIdentical());
        }
    }

    @Test
    void aManualWarmUpSaysItIsInProgressUntilMarkedWarm() {
        Object standIn = new Object();
        JitWarmup w = JitWarmup.manual("k", standIn, false);
        assertSame(standIn, w.standIn());
        assertFalse(w.isWarm() || w.released());
        assertTrue(w.status().startsWith("in progress for ") && w.status().endsWith(" s; k-stand-in computes meanwhile"), w.status());
        assertEquals("JIT warm-up: part by k-stand-in", w.standInNote());
        assertEquals("JIT warm-up: part by k-stand-in, bit-identical", JitWarmup.manual("k", standIn, true).standInNote());
        Thread.currentThread().interrupt();
        w.await(); // an interrupted waiter stops waiting and keeps its interrupt
        assertTrue(Thread.interrupted());
        w.markWarm();
        assertTrue(w.isWarm() && w.released());
        assertTrue(w.status().startsWith("done: k compiled after "), w.status());
        w.await();
    }

    @Test
    void ofSharesOneWarmUpPerKernelClassWithTheTwinAsStandIn() {
        F32Kernels hot = simd32();
        JitWarmup w = JitWarmup.of(hot);
        assertSame(w, JitWarmup.of(hot));
        assertSame(((HasScalarTwin<?>) hot).scalarTwin(), w.standIn());
        assertTrue(w.bitIdentical());
        JitWarmup w64 = JitWarmup.of(Kernels.bestF64());
        assertSame(AccurateF64Kernels.INSTANCE, w64.standIn());
        assertFalse(w64.bitIdentical());
    }

    /** Records what the warm-up exercise passes to each kernel method. */
    private static final class Seen {
        final List<String> ops = new ArrayList<>();
        final List<Integer> sizes = new ArrayList<>();
        double[] x;
        double[] g;
    }

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Test
    void theExerciseCallsEveryOpOnBothSidesOfZeroPastTheSaturationPoints() {
        Seen s32 = new Seen();
        F32Kernels k32 = new F32Kernels() {
            public String name() { return "seen"; }
            public void sigmoid(float[] x, int xo, float[] y, int yo, int n) { see("sigmoid", x, null, n, xo, yo); }
            public void derivative(float[] x, int xo, float[] d, int dOff, int n) { see("derivative", x, null, n, xo, dOff); }
            public void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) { see("fused", x, null, n, xo, yo, dOff); }
            public void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) { see("backward", x, g, n, xo, go, oo); }
            public void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) { see("backwardFromOutput", y, g, n, yo, go, oo); }

            private void see(String op, float[] a, float[] g, int n, int... offsets) {
                s32.ops.add(op);
                s32.sizes.add(n);
                assertTrue(java.util.Arrays.stream(offsets).allMatch(o -> o == 0));
                if (op.equals("backward")) {
                    s32.x = widen(a);
                    s32.g = widen(g);
                }
            }
        };
        IntConsumer[] ops32 = JitWarmup.F32Exercise.ops(k32);
        Seen s64 = new Seen();
        F64Kernels k64 = new F64Kernels() {
            public String name() { return "seen"; }
            public void sigmoid(double[] x, int xo, double[] y, int yo, int n) { see("sigmoid", x, null, n); }
            public void derivative(double[] x, int xo, double[] d, int dOff, int n) { see("derivative", x, null, n); }
            public void fused(double[] x, int xo, double[] y, int yo, double[] d, int dOff, int n) { see("fused", x, null, n); }
            public void backward(double[] x, int xo, double[] g, int go, double[] out, int oo, int n) { see("backward", x, g, n); }
            public void backwardFromOutput(double[] y, int yo, double[] g, int go, double[] out, int oo, int n) { see("backwardFromOutput", y, g, n); }

            private void see(String op, double[] a, double[] g, int n) {
                s64.ops.add(op);
                s64.sizes.add(n);
                if (op.equals("backward")) {
                    s64.x = a.clone();
                    s64.g = g.clone();
                }
            }
        };
        IntConsumer[] ops64 = JitWarmup.F64Exercise.ops(k64);
        List<String> all = List.of("sigmoid", "derivative", "fused", "backward", "backwardFromOutput");
        for (Object[] c : new Object[][] {{ops32, s32, 148.5, 4.5}, {ops64, s64, 841.5, 25.5}}) {
            IntConsumer[] ops = (IntConsumer[]) c[0];
            Seen s = (Seen) c[1];
            double edge = (double) c[2];
            double step = (double) c[3];
            assertEquals(5, ops.length);
            for (IntConsumer op : ops) {
                op.accept(64);
                op.accept(67);
                op.accept(JitWarmup.LONG);
            }
            assertEquals(all, s.ops.stream().distinct().toList(), "every op, in OP_NAMES order");
            assertEquals(15, s.ops.size());
            for (int i = 0; i < 15; i += 3) {
                assertEquals(List.of(64, 67, JitWarmup.LONG), s.sizes.subList(i, i + 3));
            }
            // x runs evenly from -edge to +edge (past float32's 88.7 and float64's 709.8 saturation), through 0
            assertEquals(JitWarmup.LONG, s.x.length);
            assertEquals(-edge, s.x[0]);
            assertEquals(0.0, s.x[33]);
            assertEquals(edge, s.x[66]);
            for (int i = 1; i < 67; i++) {
                assertEquals(step, s.x[i] - s.x[i - 1], 1e-9, "x step at " + i);
                assertTrue(s.g[i] < s.g[i - 1] && s.g[i] > 0, "g decreasing in (0, 1] at " + i);
            }
            assertEquals(1.0, s.g[0]);
            // the long window's rest: ordinary values spread over (-20, 20), the loop's profile of a real call
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (int i = 67; i < s.x.length; i++) {
                assertTrue(Math.abs(s.x[i]) < 20, "ordinary x at " + i + ": " + s.x[i]);
                assertTrue(s.g[i] > 0 && s.g[i] <= 1, "g in (0, 1] at " + i);
                min = Math.min(min, s.x[i]);
                max = Math.max(max, s.x[i]);
            }
            assertTrue(min < -19 && max > 19, "spread over (-20, 20): " + min + " .. " + max);
        }
    }
}
