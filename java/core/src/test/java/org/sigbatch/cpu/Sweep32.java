package org.sigbatch.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Runs float32 inputs (every bit pattern of a range) through several kernels' {@code fused} at once
 * and measures σ and σ' against ONE reference evaluation per block, shared by all kernels.
 *
 * <p>The reference is vectorized and sound: e = exp(−|x|) by the Vector API's EXP, which follows
 * {@link Math#exp}'s accuracy (within 1 ulp of double, VectorOperators' specification), then
 * σ = 1/(1+e) or e/(1+e) and σ' = e/(1+e)² in double. That is a relative error below 2^−50, some
 * 2^−26 of a float ULP, so a measured maximum is within 2^−26 ULP of the true one (far inside the
 * 0.001 ULP margin of a 0.501 bound); counts "above 0.5 ULP" can be off only for errors within
 * 2^−26 of 0.5. {@code Sweep32Test} checks this reference against {@link org.sigbatch.reference.Reference}.
 * The ULP error is computed in the vectors too: |a − r| times 2^(23 − exponent of r), or 2^149 below
 * the smallest normal float, with NaN = NaN and exact equality as 0 error.
 */
final class Sweep32 {
    static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    static final VectorSpecies<Float> FH = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    static final int L = D.length();
    static final int BLOCK = 1 << 14;
    private static final double INV_ULP_SUBNORMAL = 0x1p149;
    private static final long EXP_MASK = 0x7FF0000000000000L;
    /** Biased exponent field of 2^(23 − e) is 2069 − (e + 1023). */
    private static final long INV_ULP_BASE = 2069L << 52;

    private Sweep32() {
    }

    /** Error statistics of one output of one kernel. */
    static final class Stat {
        double max = -1;
        long arg;
        long overHalf;
        long overOne;

        void merge(Stat o) {
            if (o.max > max) {
                max = o.max;
                arg = o.arg;
            }
            overHalf += o.overHalf;
            overOne += o.overOne;
        }

        float argX() {
            return Float.intBitsToFloat((int) arg);
        }
    }

    /** σ and σ' statistics per kernel, and where the time went (reference and kernels: CPU seconds summed over threads). */
    record Result(List<Stat> sigma, List<Stat> derivative, double seconds, double referenceSeconds, double[] kernelSeconds) {
    }

    /** Bit patterns [fromBits, fromBits + count) as unsigned 32-bit values; count a multiple of BLOCK. */
    static Result sweep(List<F32Kernels> kernels, long fromBits, long count) {
        int nk = kernels.size();
        long t0 = System.nanoTime();
        long blocks = count / BLOCK;
        int tasks = (int) Math.min(blocks, 512);
        long perTask = (blocks + tasks - 1) / tasks;
        AtomicLongArray nanos = new AtomicLongArray(nk + 1);
        List<Stat[]> parts = IntStream.range(0, tasks).parallel().mapToObj(t -> {
            Stat[] st = new Stat[2 * nk];
            for (int i = 0; i < st.length; i++) {
                st[i] = new Stat();
            }
            float[] x = new float[BLOCK];
            double[] ry = new double[BLOCK];
            double[] rd = new double[BLOCK];
            float[] y = new float[BLOCK];
            float[] d = new float[BLOCK];
            long end = Math.min(blocks, (t + 1) * perTask);
            for (long b = t * perTask; b < end; b++) {
                long base = fromBits + b * BLOCK;
                for (int i = 0; i < BLOCK; i++) {
                    x[i] = Float.intBitsToFloat((int) (base + i));
                }
                long a = cpuNanos();
                reference(x, ry, rd);
                nanos.addAndGet(nk, cpuNanos() - a);
                for (int k = 0; k < nk; k++) {
                    a = cpuNanos();
                    kernels.get(k).fused(x, 0, y, 0, d, 0, BLOCK);
                    nanos.addAndGet(k, cpuNanos() - a);
                    accumulate(y, ry, base, st[2 * k]);
                    accumulate(d, rd, base, st[2 * k + 1]);
                }
            }
            return st;
        }).toList();
        List<Stat> sig = new ArrayList<>();
        List<Stat> der = new ArrayList<>();
        for (int k = 0; k < nk; k++) {
            Stat s = new Stat();
            Stat dd = new Stat();
            for (Stat[] p : parts) {
                s.merge(p[2 * k]);
                dd.merge(p[2 * k + 1]);
            }
            sig.add(s);
            der.add(dd);
        }
        double[] ks = new double[nk];
        for (int k = 0; k < nk; k++) {
            ks[k] = nanos.get(k) / 1e9;
        }
        return new Result(sig, der, (System.nanoTime() - t0) / 1e9, nanos.get(nk) / 1e9, ks);
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    /** CPU time of this thread: on a shared machine wall time would charge a kernel for other processes. */
    static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** σ(x) and σ'(x) in double for a block; see the class comment for the error argument. */
    static void reference(float[] x, double[] ry, double[] rd) {
        DoubleVector one = DoubleVector.broadcast(D, 1.0);
        for (int i = 0; i < x.length; i += L) {
            DoubleVector xd = (DoubleVector) FloatVector.fromArray(FH, x, i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector e = xd.abs().neg().lanewise(VectorOperators.EXP);
            DoubleVector den = e.add(1.0);
            DoubleVector sig = e.div(den).blend(one.div(den), xd.compare(VectorOperators.GE, 0.0));
            sig.intoArray(ry, i);
            e.div(den.mul(den)).intoArray(rd, i);
        }
    }

    /** ULP errors of {@code act} against {@code ref} for one block, folded into {@code s}. */
    static void accumulate(float[] act, double[] ref, long base, Stat s) {
        DoubleVector max = DoubleVector.broadcast(D, -1.0);
        DoubleVector arg = DoubleVector.zero(D);
        DoubleVector iota = DoubleVector.zero(D).addIndex(1);
        long half = 0;
        long one = 0;
        for (int i = 0; i < BLOCK; i += L) {
            DoubleVector a = (DoubleVector) FloatVector.fromArray(FH, act, i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector r = DoubleVector.fromArray(D, ref, i);
            DoubleVector err = errorUlps(a, r);
            VectorMask<Double> gt = err.compare(VectorOperators.GT, max);
            max = max.blend(err, gt);
            arg = arg.blend(iota.add(i), gt);
            half += err.compare(VectorOperators.GT, 0.5).trueCount();
            one += err.compare(VectorOperators.GT, 1.0).trueCount();
        }
        double m = max.reduceLanes(VectorOperators.MAX);
        if (m > s.max) {
            for (int j = 0; j < L; j++) {
                if (max.lane(j) == m) {
                    s.max = m;
                    s.arg = base + (long) arg.lane(j);
                    break;
                }
            }
        }
        s.overHalf += half;
        s.overOne += one;
    }

    /** |a − r| in float ULP of r's binade (2^−149 below the normal range); NaN vs NaN and a == r give 0, NaN vs a number +Inf. */
    static DoubleVector errorUlps(DoubleVector a, DoubleVector r) {
        DoubleVector ar = r.abs();
        DoubleVector inv = LongVector.broadcast(LongVector.SPECIES_PREFERRED, INV_ULP_BASE)
                .sub(ar.reinterpretAsLongs().and(EXP_MASK)).reinterpretAsDoubles();
        inv = inv.blend(INV_ULP_SUBNORMAL, ar.compare(VectorOperators.LT, (double) Float.MIN_NORMAL));
        DoubleVector err = a.sub(r).abs().mul(inv);
        VectorMask<Double> nanA = a.test(VectorOperators.IS_NAN);
        VectorMask<Double> nanR = r.test(VectorOperators.IS_NAN);
        err = err.blend(Double.POSITIVE_INFINITY, nanA.or(nanR));
        err = err.blend(0.0, nanA.and(nanR).or(a.compare(VectorOperators.EQ, r)));
        return err;
    }
}
