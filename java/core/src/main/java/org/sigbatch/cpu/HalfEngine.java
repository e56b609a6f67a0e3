package org.sigbatch.cpu;

import java.util.List;
import org.sigbatch.DType;
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
    private final boolean tables;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
    /** σ and σ' of every 16-bit pattern, per format: [format][0 = σ, 1 = σ'], built on first use. */
    private final short[][][] table = new short[2][][];

    /** An engine that computes every element (the tables are off). */
    public HalfEngine(HalfRounding rounding) {
        this(rounding, false);
    }

    /**
     * @param tables σ, σ' and fused by lookup in a 65,536-entry table per format and op, built once by
     *               this engine's own computation over every input (so bit-identical to it): a load per
     *               element instead of a float64 evaluation
     */
    public HalfEngine(HalfRounding rounding, boolean tables) {
        this.rounding = rounding;
        this.tables = tables;
    }

    public String name() {
        return "f64inside-round-" + rounding.name() + (tables ? ", sigma/sigma' tables" : "");
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
        if (tables && op.inputs() == 1) {
            lookUp(op, b, tables(f, k));
            return;
        }
        compute(op, b, k, f);
    }

    private short[][] tables(HalfFormat f, F64Kernels k) {
        synchronized (table) {
            if (table[f.ordinal()] == null) {
                short[] x = new short[1 << 16];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (short) i;
                }
                short[] y = new short[x.length];
                short[] d = new short[x.length];
                DType t = f == HalfFormat.F16 ? DType.F16 : DType.BF16;
                compute(Op.FUSED, new Batch(t, x.length, List.of(new Operand.HalfArray(t, x, 0, x.length)),
                        List.of(new Operand.HalfArray(t, y, 0, x.length), new Operand.HalfArray(t, d, 0, x.length))), k, f);
                table[f.ordinal()] = new short[][] {y, d};
            }
            return table[f.ordinal()];
        }
    }

    /** σ, σ' or both by table lookup, block by block (reads of a block before its writes: in-place safe). */
    private void lookUp(Op op, Batch b, short[][] t) {
        Scratch s = scratch.get();
        short[] in = s.hin[0];
        for (int from = 0; from < b.length(); from += BLOCK) {
            int len = Math.min(BLOCK, b.length() - from);
            b.in(0).copyTo(from, len, in, 0);
            for (int o = 0; o < op.outputs(); o++) {
                short[] tab = t[op == Op.DERIVATIVE || o == 1 ? 1 : 0];
                short[] out = s.hout;
                for (int i = 0; i < len; i++) {
                    out[i] = tab[in[i] & 0xFFFF];
                }
                b.out(o).copyFrom(from, len, out, 0);
            }
        }
    }

    private void compute(Op op, Batch b, F64Kernels k, HalfFormat f) {
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
