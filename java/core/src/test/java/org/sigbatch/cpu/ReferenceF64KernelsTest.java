package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.Op;
import org.sigbatch.reference.OpReference;
import org.sigbatch.testing.TestData;

/**
 * The double-double float64 kernels (the fallback where no faster accurate kernel is available), on a
 * small dense set (the special values, then random values at several scales) at a different offset
 * per array: each output within its bound of the double-double reference, nothing outside the
 * window written. Only the exhaustive sweeps covered them, and PIT excludes those.
 */
class ReferenceF64KernelsTest {
    private static final int N = 400;
    private static final double SENTINEL = 42.5;

    @ParameterizedTest
    @EnumSource(Op.class)
    void eachOutputIsTheReferenceAtItsOwnOffset(Op op) {
        double[] x = op == Op.BACKWARD_FROM_OUTPUT ? TestData.yF64(N, 7) : Arrays.copyOf(TestData.inputsF64(N, 7), N);
        double[] g = TestData.gradF64(N, 8);
        int xo = 3;
        int go = 5;
        int o0 = 7;
        int o1 = 11;
        double[] xs = fenced(x, xo);
        double[] gs = fenced(g, go);
        double[] out0 = fenced(new double[N], o0);
        double[] out1 = fenced(new double[N], o1);
        ReferenceF64Kernels k = ReferenceF64Kernels.INSTANCE;
        assertEquals("dd-reference", k.name());
        switch (op) {
            case SIGMOID -> k.sigmoid(xs, xo, out0, o0, N);
            case DERIVATIVE -> k.derivative(xs, xo, out0, o0, N);
            case FUSED -> k.fused(xs, xo, out0, o0, out1, o1, N);
            case BACKWARD -> k.backward(xs, xo, gs, go, out0, o0, N);
            case BACKWARD_FROM_OUTPUT -> k.backwardFromOutput(xs, xo, gs, go, out0, o0, N);
        }
        check(op, 0, x, g, out0, o0);
        if (op.outputs() == 2) {
            check(op, 1, x, g, out1, o1);
        }
    }

    private static double[] fenced(double[] v, int off) {
        double[] a = new double[off + v.length + 3];
        Arrays.fill(a, SENTINEL);
        System.arraycopy(v, 0, a, off, v.length);
        return a;
    }

    private static void check(Op op, int out, double[] x, double[] g, double[] got, int off) {
        for (int i = 0; i < got.length; i++) {
            int j = i - off;
            if (j < 0 || j >= N) {
                if (got[i] != SENTINEL) {
                    fail(op + ": index " + i + " outside the window was written");
                }
                continue;
            }
            double err = OpReference.error64(op, out, x[j], g[j], got[i]);
            if (!(err <= OpReference.bound(op, out))) {
                fail(op + " output " + out + " at " + j + ": x=" + x[j] + " g=" + g[j] + " got " + got[i] + " (" + err + " ULP)");
            }
        }
    }
}
