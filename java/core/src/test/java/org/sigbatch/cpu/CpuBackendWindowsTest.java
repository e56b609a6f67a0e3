package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.reference.OpReference;
import org.sigbatch.spi.Batch;
import org.sigbatch.testing.TestData;

/**
 * The CPU backend on its own, fast enough for mutation testing (the contract suite covers the same
 * and more, slowly): every op on windows at a different offset per operand, split over two threads,
 * on heap arrays and staged through direct buffers; allocation checks; the pool's threads.
 * Written for the survivors of PIT in CpuBackend (RELIABILITY.md).
 */
class CpuBackendWindowsTest {
    static final double SENTINEL = 42.5;
    private static final int N = CpuBackend.PARALLEL_THRESHOLD + 77; // two parts of 64-aligned size, a ragged end
    private static final int[] OFFSETS = {3, 5, 7, 11};

    private static CpuBackend open() {
        return new CpuBackend(2, Kernels.bestF32(), Kernels.bestF64(), false); // no JIT warm-up: the kernels from the first call
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void everyOpOnOffsetWindowsSplitOverThreads(Op op) {
        try (CpuBackend b = open()) {
            for (DType t : DType.values()) {
                if (t != DType.F32 && t != DType.F64) {
                    continue;
                }
                for (boolean direct : new boolean[] {false, true}) {
                    check(b, op, t, direct);
                }
            }
        }
    }

    private static void check(CpuBackend b, Op op, DType t, boolean direct) {
        double[] x = op == Op.BACKWARD_FROM_OUTPUT ? widen(t, TestData.yF32(N, 1), TestData.yF64(N, 1))
                : widen(t, Arrays.copyOf(TestData.inputsF32(N, 2), N), Arrays.copyOf(TestData.inputsF64(N, 2), N));
        double[] g = widen(t, TestData.gradF32(N, 3), TestData.gradF64(N, 3));
        Object[] store = new Object[4];
        Operand[] ops = new Operand[4];
        for (int k = 0; k < 4; k++) {
            double[] v = k == 0 ? x : k == 1 ? g : new double[N];
            store[k] = fill(t, OFFSETS[k], v);
            ops[k] = operand(t, store[k], OFFSETS[k], direct && k >= 2);
        }
        Operand[] all = op.operands(ops[0], ops[1], ops[2], ops[3]);
        List<Operand> ins = List.of(all).subList(0, op.inputs());
        List<Operand> outs = List.of(all).subList(op.inputs(), all.length);
        b.execute(op, new Batch(t, N, ins, outs));
        for (int k = 0; k < op.outputs(); k++) {
            int slot = 2 + k;
            double[] got = read(t, store[slot], ops[slot]);
            String what = op.label() + " " + t + (direct ? " direct" : " heap") + " output " + k;
            for (int i = 0; i < got.length; i++) {
                int j = i - OFFSETS[slot];
                if (j < 0 || j >= N) {
                    if (got[i] != SENTINEL) {
                        fail(what + ": index " + i + " outside the window was written");
                    }
                    continue;
                }
                double err = t == DType.F32 ? OpReference.error32(op, k, (float) x[j], (float) g[j], (float) got[i])
                        : OpReference.error64(op, k, x[j], g[j], got[i]);
                if (!(err <= OpReference.bound(op, k))) {
                    fail(what + " at " + j + ": x=" + x[j] + " g=" + g[j] + " got " + got[i] + " (" + err + " ULP)");
                }
            }
        }
    }

    @Test
    void allocationIsCheckedBeforeAnyMemoryIsTaken() {
        CpuBackend b = open();
        var e = assertThrows(IllegalArgumentException.class, () -> b.allocate(DType.F32, -1));
        assertTrue(e.getMessage().contains("length must be >= 0"), e.getMessage());
        b.close();
        assertThrows(IllegalStateException.class, () -> b.allocate(DType.F32, 1), "a closed backend allocates nothing");
    }

    @Test
    void thePoolsThreadsAreNamedDaemonsAndEndWithTheBackend() throws Exception {
        CpuBackend b = open();
        Map<String, Boolean> seen = new java.util.concurrent.ConcurrentHashMap<>();
        float[] x = new float[N];
        float[] y = new float[N];
        b.execute(Op.SIGMOID, new Batch(DType.F32, N, List.of(Operand.of(x)), List.of(Operand.of(y))));
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            if (th.getName().startsWith("sigbatch-cpu-")) {
                seen.put(th.getName(), th.isDaemon());
            }
        }
        assertTrue(!seen.isEmpty() && !seen.containsValue(false), "named daemon workers: " + seen);
        b.close();
        for (int i = 0; i < 100 && Thread.getAllStackTraces().keySet().stream().anyMatch(th -> seen.containsKey(th.getName()) && th.isAlive()); i++) {
            Thread.sleep(50);
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(th -> seen.containsKey(th.getName()) && th.isAlive()),
                "the pool's workers end when the backend closes");
    }

    @Test
    void aBatchOfTheWrongShapeIsRefused() {
        try (CpuBackend b = open()) {
            float[] a = new float[4];
            assertThrows(IllegalArgumentException.class,
                    () -> b.execute(Op.FUSED, new Batch(DType.F32, 4, List.of(Operand.of(a)), List.of(Operand.of(new float[4])))));
        }
    }

    // ------------------------------------------------------------------ storage with sentinels

    /** Values at {@code off} in a float or double array with sentinels around them (CpuBackendColdPathTest shares it). */
    static Object fill(DType t, int off, double[] v) {
        double[] all = new double[off + v.length + 3];
        Arrays.fill(all, SENTINEL);
        System.arraycopy(v, 0, all, off, v.length);
        if (t == DType.F64) {
            return all;
        }
        float[] f = new float[all.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) all[i];
        }
        return f;
    }

    private static Operand operand(DType t, Object store, int off, boolean direct) {
        int cap = t == DType.F32 ? ((float[]) store).length : ((double[]) store).length;
        if (!direct) {
            return t == DType.F32 ? Operand.of((float[]) store, off, N) : Operand.of((double[]) store, off, N);
        }
        ByteBuffer bb = ByteBuffer.allocateDirect(cap * t.bytes()).order(ByteOrder.nativeOrder());
        if (t == DType.F32) {
            return Operand.of(bb.asFloatBuffer().put((float[]) store).clear().position(off).limit(off + N));
        }
        return Operand.of(bb.asDoubleBuffer().put((double[]) store).clear().position(off).limit(off + N));
    }

    private static double[] read(DType t, Object store, Operand o) {
        Object s = o.storage();
        if (s instanceof java.nio.FloatBuffer fb) {
            float[] f = new float[fb.capacity()];
            fb.duplicate().clear().get(f);
            return widen(DType.F32, f, null);
        }
        if (s instanceof java.nio.DoubleBuffer db) {
            double[] d = new double[db.capacity()];
            db.duplicate().clear().get(d);
            return d;
        }
        return t == DType.F32 ? widen(t, (float[]) store, null) : ((double[]) store).clone();
    }

    private static double[] widen(DType t, float[] f, double[] d) {
        if (t == DType.F64) {
            return d;
        }
        double[] w = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            w[i] = f[i];
        }
        return w;
    }
}
