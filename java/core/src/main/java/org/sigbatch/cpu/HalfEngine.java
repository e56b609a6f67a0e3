package org.sigbatch.cpu;

import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.reference.HalfFormat;
import org.sigbatch.reference.OpReference;
import org.sigbatch.spi.Batch;

/**
 * float16 and bfloat16 batches on the CPU: block by block, the 16-bit inputs are widened exactly to
 * double, the float64 kernels compute (≤ ~1 double ULP), and each result is rounded once to the
 * format. A result whose discarded bits lie within 2^-45 of halfway (or that is NaN) is recomputed
 * from the double-double reference and rounded from that ({@link HalfFormat#roundDD}): a double
 * within a few ULPs is not enough there (a double rounding would pick the wrong side of a tie), and
 * near-ties do occur systematically, e.g. g·σ'(x) = g/4·(1 − x²/4) for tiny x and subnormal g/4. So
 * every result is correctly rounded; the exhaustive tests check all 65,536 inputs of each format.
 */
public final class HalfEngine {
    static final int BLOCK = 2048;

    private final HalfRounding rounding;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    public HalfEngine(HalfRounding rounding) {
        this.rounding = rounding;
    }

    public String name() {
        return "f64inside-round-" + rounding.name();
    }

    /** Per-thread block buffers: 16-bit inputs, their double values, double results, 16-bit results. */
    private static final class Scratch {
        final short[][] hin = new short[2][BLOCK];
        final double[][] din = new double[2][BLOCK];
        final double[][] dout = new double[2][BLOCK];
        final short[] hout = new short[BLOCK];
        final int[] flagged = new int[BLOCK];
    }

    /** Evaluates {@code op} over the whole (16-bit) batch with the float64 kernels {@code k}. */
    public void run(Op op, Batch b, F64Kernels k) {
        HalfFormat f = HalfFormat.of(b.dtype());
        Scratch s = scratch.get();
        int ins = op.inputs();
        for (int from = 0; from < b.length(); from += BLOCK) {
            int len = Math.min(BLOCK, b.length() - from);
            for (int i = 0; i < ins; i++) {
                b.in(i).copyTo(from, len, s.hin[i], 0);
                widen(f, s.hin[i], s.din[i], len);
            }
            compute(op, k, s, len);
            for (int o = 0; o < op.outputs(); o++) {
                int flagged = rounding.round(f, s.dout[o], len, s.hout, s.flagged);
                for (int j = 0; j < flagged; j++) {
                    int i = s.flagged[j];
                    s.hout[i] = OpReference.half(op, o, f, s.hin[0][i], ins > 1 ? s.hin[1][i] : 0);
                }
                Operand out = b.out(o);
                out.copyFrom(from, len, s.hout, 0);
            }
        }
    }

    /** Exact widening; simple loops that C2 vectorizes (float16: the F16C conversion intrinsic). */
    static void widen(HalfFormat f, short[] h, double[] d, int n) {
        if (f == HalfFormat.BF16) {
            for (int i = 0; i < n; i++) {
                d[i] = Float.intBitsToFloat(h[i] << 16);
            }
        } else {
            for (int i = 0; i < n; i++) {
                d[i] = Float.float16ToFloat(h[i]);
            }
        }
    }

    private static void compute(Op op, F64Kernels k, Scratch s, int n) {
        double[] x = s.din[0];
        double[] g = s.din[1];
        switch (op) {
            case SIGMOID -> k.sigmoid(x, 0, s.dout[0], 0, n);
            case DERIVATIVE -> k.derivative(x, 0, s.dout[0], 0, n);
            case FUSED -> k.fused(x, 0, s.dout[0], 0, s.dout[1], 0, n);
            case BACKWARD -> k.backward(x, 0, g, 0, s.dout[0], 0, n);
            case BACKWARD_FROM_OUTPUT -> k.backwardFromOutput(x, 0, g, 0, s.dout[0], 0, n);
        }
    }
}
