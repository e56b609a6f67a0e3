package org.sigbatch.cpu.simd;

import java.util.Objects;
import org.sigbatch.cpu.F32Kernels;

/**
 * The five float32 ops of a SIMD kernel class as one loop with a loop-invariant {@code mode}: each op
 * checks its windows and runs the loop through {@link PaddedTail}. Subclasses give the loop.
 */
abstract class ModeF32Kernels implements F32Kernels {
    static final int SIG = 0, DER = 1, FUSED = 2, BWD = 3, BFO = 4;

    private final int lanes;
    private final PaddedTail.F32Loop loop;

    ModeF32Kernels(int lanes, PaddedTail.F32Loop loop) {
        this.lanes = lanes;
        this.loop = loop;
    }

    @Override
    public final void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        window(SIG, x, xo, null, 0, y, yo, null, 0, n);
    }

    @Override
    public final void derivative(float[] x, int xo, float[] d, int dOff, int n) {
        window(DER, x, xo, null, 0, d, dOff, null, 0, n);
    }

    @Override
    public final void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) {
        window(FUSED, x, xo, null, 0, y, yo, d, dOff, n);
    }

    @Override
    public final void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        window(BWD, x, xo, g, go, out, oo, null, 0, n);
    }

    @Override
    public final void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        window(BFO, y, yo, g, go, out, oo, null, 0, n);
    }

    private void window(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        Objects.checkFromIndexSize(xo, n, x.length);
        Objects.checkFromIndexSize(o0o, n, o0.length);
        if (g != null) {
            Objects.checkFromIndexSize(go, n, g.length);
        }
        if (o1 != null) {
            Objects.checkFromIndexSize(o1o, n, o1.length);
        }
        PaddedTail.run(loop, lanes, mode, x, xo, g, go, o0, o0o, o1, o1o, n);
    }
}
