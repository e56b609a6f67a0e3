package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.reference.HalfFormat;
import org.sigbatch.reference.OpReference;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;

/**
 * Every one of the 65,536 inputs of float16 and bfloat16 through every OpenCL 16-bit kernel (on PoCL
 * here), against the double-double reference rounded once: x takes every pattern; the backward ops
 * take three gradient sets (a permutation of every pattern, 6 smallest subnormals whose quarter is
 * halfway, and -1). The kernels need fp64; without it the backend does not offer them (visible skip).
 */
class OpenClHalfTest {
    static final int N = 1 << 16;

    @BeforeEach
    void gate() {
        OpenClTesting.require();
    }

    @ParameterizedTest
    @EnumSource(HalfFormat.class)
    void everyInputOfEveryOpIsCorrectlyRounded(HalfFormat f) throws BackendFailure {
        DType t = f == HalfFormat.F16 ? DType.F16 : DType.BF16;
        try (OpenClBackend b = OpenClTesting.backend()) {
            Assumptions.assumeTrue(b.supports(Op.SIGMOID, t), "no fp64 on " + b.device() + ": 16-bit batches run on the CPU");
            short[] x = new short[N];
            short[][] gs = new short[3][N];
            short one = f.round(-1.0);
            for (int i = 0; i < N; i++) {
                x[i] = (short) i;
                gs[0][i] = (short) (i * 40503 + 0x1234);
                gs[1][i] = 6;
                gs[2][i] = one;
            }
            List<String> failures = new ArrayList<>();
            for (Op op : Op.values()) {
                for (short[] g : op.inputs() > 1 ? List.of(gs) : List.of(gs[0])) {
                    short[][] out = new short[op.outputs()][N];
                    List<Operand> ins = new ArrayList<>(List.of(new Operand.HalfArray(t, x, 0, N)));
                    if (op.inputs() > 1) {
                        ins.add(new Operand.HalfArray(t, g, 0, N));
                    }
                    List<Operand> outs = new ArrayList<>();
                    for (short[] o : out) {
                        outs.add(new Operand.HalfArray(t, o, 0, N));
                    }
                    b.execute(op, new Batch(t, N, ins, outs));
                    for (int o = 0; o < op.outputs(); o++) {
                        short[] got = out[o];
                        int oo = o;
                        int[] bad = IntStream.range(0, N).parallel().filter(i -> {
                            short want = OpReference.half(op, oo, f, x[i], g[i]);
                            return f.isNaN(want) ? !f.isNaN(got[i]) : f.toDouble(want) != f.toDouble(got[i]);
                        }).toArray();
                        if (bad.length > 0) {
                            int i = bad[0];
                            failures.add(String.format(Locale.ROOT, "%s %s output %d: %d wrong, first x=0x%04x g=0x%04x got 0x%04x want 0x%04x",
                                    f, op.label(), o, bad.length, i, g[i] & 0xFFFF, got[i] & 0xFFFF,
                                    OpReference.half(op, o, f, x[i], g[i]) & 0xFFFF));
                        }
                    }
                }
            }
            System.out.println("OpenCL " + f + " kernels on " + b.device() + ": " + failures.size() + " wrong blocks");
            assertEquals(List.of(), failures);
        }
    }
}
