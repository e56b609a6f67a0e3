package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.reference.HalfFormat;
import org.sigbatch.reference.OpReference;
import org.sigbatch.spi.Batch;

/**
 * The float16 / bfloat16 engine on a dense sample of bit patterns (every 16th, shifted, so all
 * exponents and both signs; two blocks and a ragged end; windows at offsets), computing and by table,
 * scalar and SIMD rounding: every result is the correctly rounded reference (HalfExhaustiveTest checks
 * all 65,536 patterns, and PIT excludes it).
 */
class HalfEngineDenseTest {
    private static final int N = 2 * HalfEngine.BLOCK + 5;
    private static final short SENTINEL = (short) 0x7E5A;

    @ParameterizedTest
    @EnumSource(Op.class)
    void everyResultIsTheCorrectlyRoundedReference(Op op) {
        HalfEngine[] engines = {new HalfEngine(HalfRounding.SCALAR), new HalfEngine(Kernels.halfRounding(), true)};
        assertEquals("f64inside-round-scalar", engines[0].name());
        assertEquals("f64inside-round-" + Kernels.halfRounding().name() + ", sigma/sigma' tables", engines[1].name());
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            HalfFormat f = HalfFormat.of(t);
            short[] x = new short[N];
            short[] g = new short[N];
            for (int i = 0; i < N; i++) {
                x[i] = (short) (i * 16 + i % 16);
                g[i] = (short) (i * 37 % 30000 + (i % 2 == 0 ? 0x3000 : 0xB000)); // moderate gradients, both signs
            }
            if (op == Op.BACKWARD_FROM_OUTPUT) {
                for (int i = 0; i < N; i++) {
                    x[i] = f.round(i / (double) N); // y in [0, 1)
                }
            }
            short[][] want = new short[op.outputs()][N];
            for (int o = 0; o < op.outputs(); o++) {
                for (int j = 0; j < N; j++) {
                    want[o][j] = OpReference.half(op, o, f, x[j], g[j]);
                }
            }
            for (HalfEngine e : engines) {
                short[] xs = fenced(x, 3);
                short[] gs = fenced(g, 5);
                short[][] outs = {fenced(new short[N], 7), fenced(new short[N], 11)};
                List<Operand> ins = op.inputs() == 1 ? List.of(new Operand.HalfArray(t, xs, 3, N))
                        : List.of(new Operand.HalfArray(t, xs, 3, N), new Operand.HalfArray(t, gs, 5, N));
                List<Operand> os = op.outputs() == 1 ? List.of(new Operand.HalfArray(t, outs[0], 7, N))
                        : List.of(new Operand.HalfArray(t, outs[0], 7, N), new Operand.HalfArray(t, outs[1], 11, N));
                e.run(op, new Batch(t, N, ins, os), AccurateF64Kernels.INSTANCE);
                for (int o = 0; o < op.outputs(); o++) {
                    int off = o == 0 ? 7 : 11;
                    short[] got = outs[o];
                    for (int i = 0; i < got.length; i++) {
                        int j = i - off;
                        if (j < 0 || j >= N) {
                            if (got[i] != SENTINEL) {
                                fail(e.name() + " " + t + " " + op + ": index " + i + " outside the window was written");
                            }
                            continue;
                        }
                        if (!HalfExhaustiveTest.same(f, want[o][j], got[i])) { // as the exhaustive test: +0 = -0 (signs: HalfBehaviourTest)
                            fail(e.name() + " " + t + " " + op + " output " + o + " at " + j + ": x=0x" + Integer.toHexString(x[j] & 0xFFFF)
                                    + " g=0x" + Integer.toHexString(g[j] & 0xFFFF) + " got 0x" + Integer.toHexString(got[i] & 0xFFFF)
                                    + " want 0x" + Integer.toHexString(want[o][j] & 0xFFFF));
                        }
                    }
                }
            }
        }
    }

    private static short[] fenced(short[] v, int off) {
        short[] a = new short[off + v.length + 3];
        Arrays.fill(a, SENTINEL);
        System.arraycopy(v, 0, a, off, v.length);
        return a;
    }
}
