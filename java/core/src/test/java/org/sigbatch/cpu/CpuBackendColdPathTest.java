package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.reference.OpReference;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;
import org.sigbatch.testing.TestData;

/**
 * The CPU backend while its SIMD kernels warm up, without a real warm-up thread (JitWarmup.manual, so
 * PIT can run it; JitWarmupTest, excluded there, has the real one): a call runs in blocks of
 * COLD_BLOCK elements, each on the stand-in or, once warm, the SIMD kernel, at every operand's own
 * offset; the provenance says when a stand-in took part. Written for PIT's survivors in CpuBackend,
 * whose block offsets ({@code offset + from}) are non-zero only here.
 */
class CpuBackendColdPathTest {
    static final int N = 2 * CpuBackend.COLD_BLOCK + 77; // two full cold blocks and a ragged third
    static final int[] OFFSETS = {3, 5, 7, 11}; // x, gradOut, out0, out1: a different one each
    static final double SENTINEL = CpuBackendWindowsTest.SENTINEL;

    /** A float32 or float64 backend whose SIMD kernel ({@code hot}) is cold until the test marks it warm. */
    record Cold(CpuBackend backend, RecordingKernels hot, RecordingKernels standIn, JitWarmup warmup) {
    }

    static Cold cold(DType t, int threads) {
        RecordingKernels hot = new RecordingKernels("hot", Kernels.bestF32(), Kernels.bestF64());
        RecordingKernels standIn = new RecordingKernels("slow", Kernels.scalarF32(), AccurateF64Kernels.INSTANCE);
        JitWarmup w = JitWarmup.manual("hot", standIn, t == DType.F32);
        CpuBackend b = t == DType.F32 ? new CpuBackend(threads, hot, hot, w, JitWarmup.NONE) : new CpuBackend(threads, hot, hot, JitWarmup.NONE, w);
        return new Cold(b, hot, standIn, w);
    }

    static String opName(Op op) {
        return switch (op) {
            case SIGMOID -> "sigmoid";
            case DERIVATIVE -> "derivative";
            case FUSED -> "fused";
            case BACKWARD -> "backward";
            case BACKWARD_FROM_OUTPUT -> "backwardFromOutput";
        };
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void aColdCallRunsEveryBlockOnTheStandInAtEachOperandsOffset(Op op) {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Cold c = cold(t, 1);
            Windows w = new Windows(t, op, N);
            Timings tm = c.backend().execute(op, w.batch());
            w.check(op + " " + t);
            assertTrue(c.hot().calls().isEmpty(), "the cold SIMD kernel must not run");
            List<RecordingKernels.Call> calls = c.standIn().calls();
            assertEquals(3, calls.size(), op + " " + t + ": blocks " + calls);
            for (int k = 0; k < 3; k++) {
                int from = k * CpuBackend.COLD_BLOCK;
                RecordingKernels.Call call = calls.get(k);
                assertEquals(opName(op), call.op());
                assertEquals(Math.min(CpuBackend.COLD_BLOCK, N - from), call.n(), "block " + k);
                assertArrayEquals(w.offsets(from), call.offsets(), op + " " + t + " block " + k);
            }
            String note = t == DType.F32 ? "f32 JIT warm-up: part by hot-stand-in, bit-identical" : "f64 JIT warm-up: part by hot-stand-in";
            assertEquals(c.backend().device() + " (" + note + ")", tm.device());
            c.backend().close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void blocksSwitchToTheSimdKernelOnceItIsWarmAndLaterCallsRunItWhole(DType t) {
        Cold c = cold(t, 1);
        c.standIn().after = call -> c.warmup().markWarm(); // the JIT "finishes" during the first block
        Windows w = new Windows(t, Op.BACKWARD, N);
        Timings first = c.backend().execute(Op.BACKWARD, w.batch());
        w.check("first call");
        assertEquals(1, c.standIn().calls().size());
        List<RecordingKernels.Call> hot = c.hot().calls();
        assertEquals(2, hot.size(), "blocks 2 and 3 on the SIMD kernel: " + hot);
        assertArrayEquals(w.offsets(CpuBackend.COLD_BLOCK), hot.get(0).offsets());
        assertArrayEquals(w.offsets(2 * CpuBackend.COLD_BLOCK), hot.get(1).offsets());
        assertEquals(77, hot.get(1).n());
        assertTrue(first.device().contains("JIT warm-up: part by hot-stand-in"), first.device());

        Windows again = new Windows(t, Op.BACKWARD, N);
        Timings second = c.backend().execute(Op.BACKWARD, again.batch());
        again.check("warm call");
        assertEquals(3, c.hot().calls().size(), "a warm call is one SIMD call over the whole batch");
        assertEquals(N, c.hot().calls().get(2).n());
        assertArrayEquals(again.offsets(0), c.hot().calls().get(2).offsets());
        assertSame(Timings.NONE, second);
        c.backend().close();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void aColdCallSplitOverThreadsStillSaysTheStandInTookPart(DType t) {
        Cold c = cold(t, 2);
        int n = 2 * CpuBackend.PARALLEL_THRESHOLD;
        Windows w = new Windows(t, Op.FUSED, n);
        Timings tm = c.backend().execute(Op.FUSED, w.batch());
        w.check("two threads, cold");
        assertTrue(tm.device() != null && tm.device().contains("part by hot-stand-in"), String.valueOf(tm.device()));
        c.warmup().markWarm();
        Windows warm = new Windows(t, Op.FUSED, n);
        assertSame(Timings.NONE, c.backend().execute(Op.FUSED, warm.batch()), "no stand-in, no note");
        warm.check("two threads, warm");
        c.backend().close();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void bufferOperandsAreStagedThroughTheColdPathToo(DType t) {
        Cold c = cold(t, 1);
        int n = CpuBackend.BLOCK + 904; // two staging blocks, the second ragged
        Windows w = new Windows(t, Op.SIGMOID, n);
        Operand in = w.batch().in(0);
        Object inStore = in.storage();
        Operand buf = t == DType.F32 ? new Operand.F32Buffer(FloatBuffer.wrap((float[]) inStore), OFFSETS[0], n)
                : new Operand.F64Buffer(java.nio.DoubleBuffer.wrap((double[]) inStore), OFFSETS[0], n);
        Timings tm = c.backend().execute(Op.SIGMOID, new Batch(t, n, List.of(buf), w.batch().outputs()));
        w.check("buffer input");
        assertTrue(tm.device().contains("part by hot-stand-in"), tm.device());
        assertEquals(2, c.standIn().calls().size(), "one kernel call per staging block");
        for (RecordingKernels.Call call : c.standIn().calls()) {
            assertTrue(call.out() != w.batch().out(0).storage(), "staged: the kernel writes a scratch block");
            assertArrayEquals(new int[] {0, 0}, call.offsets());
        }
        // warm, a heap input and a buffer output: staged as well, on the SIMD kernel
        c.warmup().markWarm();
        Windows heapIn = new Windows(t, Op.SIGMOID, n);
        Operand out = t == DType.F32 ? Operand.of(FloatBuffer.allocate(n)) : Operand.of(java.nio.DoubleBuffer.allocate(n));
        assertSame(Timings.NONE, c.backend().execute(Op.SIGMOID, new Batch(t, n, heapIn.batch().inputs(), List.of(out))));
        assertEquals(List.of(CpuBackend.BLOCK, n - CpuBackend.BLOCK), c.hot().calls().stream().map(RecordingKernels.Call::n).toList());
        assertTrue(c.hot().calls().stream().allMatch(call -> call.offsets()[0] == 0 && call.out() != out.storage()));
        for (int i = 0; i < n; i += 97) {
            double want = heapIn.batch().in(0).get(i);
            double err = t == DType.F32 ? OpReference.error32(Op.SIGMOID, 0, (float) want, 0f, (float) out.get(i)) : OpReference.error64(Op.SIGMOID, 0, want, 0, out.get(i));
            assertTrue(err <= OpReference.bound(Op.SIGMOID, 0), "buffer output at " + i + ": " + err + " ULP");
        }
        c.backend().close();
    }

    /**
     * Heap-array windows at {@link #OFFSETS}, inside sentinels: the op's operands, and the check of its
     * outputs against the reference (by ULP) and of the sentinels (nothing outside a window written).
     */
    static final class Windows {
        private final DType t;
        private final Op op;
        private final int n;
        private final double[] x;
        private final double[] g;
        private final Object[] store = new Object[4];
        private final int[] slots;
        private final Batch batch;

        Windows(DType t, Op op, int n) {
            this.t = t;
            this.op = op;
            this.n = n;
            x = op == Op.BACKWARD_FROM_OUTPUT ? widen(TestData.yF32(n, 1), TestData.yF64(n, 1))
                    : widen(Arrays.copyOf(TestData.inputsF32(n, 2), n), Arrays.copyOf(TestData.inputsF64(n, 2), n));
            g = widen(TestData.gradF32(n, 3), TestData.gradF64(n, 3));
            Operand[] all = new Operand[4];
            for (int k = 0; k < 4; k++) {
                double[] v = k == 0 ? x : k == 1 ? g : new double[n];
                store[k] = CpuBackendWindowsTest.fill(t, OFFSETS[k], v);
                all[k] = t == DType.F32 ? Operand.of((float[]) store[k], OFFSETS[k], n) : Operand.of((double[]) store[k], OFFSETS[k], n);
            }
            Operand[] used = op.operands(all[0], all[1], all[2], all[3]);
            slots = new int[used.length];
            for (int i = 0; i < used.length; i++) {
                slots[i] = List.of(all).indexOf(used[i]);
            }
            List<Operand> l = List.of(used);
            batch = new Batch(t, n, l.subList(0, op.inputs()), l.subList(op.inputs(), l.size()));
        }

        Batch batch() {
            return batch;
        }

        /** The kernel's offset arguments for the block starting at {@code from}: each operand's window offset plus from. */
        int[] offsets(int from) {
            return Arrays.stream(slots).map(k -> OFFSETS[k] + from).toArray();
        }

        void check(String what) {
            for (int k = 0; k < op.outputs(); k++) {
                int slot = slots[op.inputs() + k];
                double[] got = t == DType.F32 ? widen((float[]) store[slot], null) : (double[]) store[slot];
                for (int i = 0; i < got.length; i++) {
                    int j = i - OFFSETS[slot];
                    if (j < 0 || j >= n) {
                        if (got[i] != SENTINEL) {
                            fail(what + ": index " + i + " outside the window of output " + k + " was written");
                        }
                        continue;
                    }
                    int inBlock = j % CpuBackend.COLD_BLOCK;
                    if (j % 5 != 0 && inBlock > 2 && inBlock < CpuBackend.COLD_BLOCK - 3 && j < n - 3) {
                        continue; // every 5th element and each block's edges: the reference is the slow part
                    }
                    double err = t == DType.F32 ? OpReference.error32(op, k, (float) x[j], (float) g[j], (float) got[i])
                            : OpReference.error64(op, k, x[j], g[j], got[i]);
                    if (!(err <= OpReference.bound(op, k))) {
                        fail(what + ": " + op + " output " + k + " at " + j + ": x=" + x[j] + " g=" + g[j] + " got " + got[i] + " (" + err + " ULP)");
                    }
                }
            }
        }

        private double[] widen(float[] f, double[] d) {
            if (t == DType.F64 && d != null) {
                return d;
            }
            double[] w = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                w[i] = f[i];
            }
            return w;
        }
    }
}
