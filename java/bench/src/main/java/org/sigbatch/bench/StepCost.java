package org.sigbatch.bench;

import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * What each step of a σ kernel costs per element, in cache (64K floats, one thread; the fastest call
 * of the last seconds, which on a shared machine is the one least disturbed): the
 * kernel's loop cut after step {@code -Dstage=N} (N = 0: load and store only), one stage per JVM so
 * that C2 folds the stage constant. The difference between stages is the step's cost. Mirrors the
 * arithmetic of {@code VectorF32FastKernels} ({@code -Dkernel=fast}) and {@code VectorF32Kernels}
 * ({@code -Dkernel=f64inside}) for σ. Run by {@code make bench-steps} (scripts/bench-steps.sh).
 */
public final class StepCost {
    private static final int STAGE = Integer.getInteger("stage", 9);
    private static final String KERNEL = System.getProperty("kernel", "fast");
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FH = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    static final String[] STEPS = {"load + store", "a = −abs(x) and clamp", "range reduction", "polynomial", "2^k scale", "1/(1+e)", "select σ"};

    private StepCost() {
    }

    /** The FAST kernel's σ, cut after {@link #STAGE}. */
    static void fast(float[] x, float[] y, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, i);
            FloatVector v = xv;
            if (STAGE >= 1) {
                FloatVector a = xv.reinterpretAsInts().or(0x80000000).reinterpretAsFloats();
                v = a.blend(-104f, a.compare(VectorOperators.LT, -104f));
            }
            FloatVector t = v;
            if (STAGE >= 2) {
                t = v.fma(1.44269504f, 0x1.8p23f);
                FloatVector kf = t.sub(0x1.8p23f);
                FloatVector r = kf.fma(FloatVector.broadcast(F, -0x1.62e4p-1f), v);
                v = kf.fma(FloatVector.broadcast(F, -0x1.7f7d1cp-20f), r);
            }
            if (STAGE >= 3) {
                FloatVector c = v.fma(FloatVector.broadcast(F, 0x1.6d10fcp-10f), FloatVector.broadcast(F, 0x1.120b62p-7f));
                c = c.fma(v, FloatVector.broadcast(F, 0x1.55551ap-5f));
                c = c.fma(v, FloatVector.broadcast(F, 0x1.5554dep-3f));
                c = c.fma(v, FloatVector.broadcast(F, 0.5f));
                v = v.mul(v).fma(c, v).add(one);
            }
            if (STAGE >= 4) {
                v = v.mul(t.reinterpretAsInts().add(127 + 32 - Float.floatToRawIntBits(0x1.8p23f))
                        .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            }
            FloatVector q = v;
            if (STAGE >= 5) {
                q = one.div(v.mul(0x1p-32f).add(one));
                v = v.mul(q);
            }
            if (STAGE >= 6) {
                v = v.mul(0x1p-32f).blend(q, xv.compare(VectorOperators.GE, 0f));
            }
            v.intoArray(y, i);
        }
    }

    /** The double-inside kernel's σ, cut after {@link #STAGE}. */
    static void f64inside(float[] x, float[] y, int n) {
        DoubleVector one = DoubleVector.broadcast(D, 1.0);
        for (int i = 0; i < n; i += D.length()) {
            DoubleVector xd = (DoubleVector) FloatVector.fromArray(FH, x, i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector v = xd;
            if (STAGE >= 1) {
                DoubleVector a = xd.abs().neg();
                v = a.blend(-200.0, a.compare(VectorOperators.LT, -200.0));
            }
            DoubleVector t = v;
            if (STAGE >= 2) {
                t = v.fma(1.4426950408889634, 6755399441055744.0);
                DoubleVector k = t.sub(6755399441055744.0);
                DoubleVector r = k.fma(DoubleVector.broadcast(D, -0.6931471805599453), v);
                v = k.fma(DoubleVector.broadcast(D, -2.3190468138462996e-17), r);
            }
            if (STAGE >= 3) {
                DoubleVector p = v.fma(1.0 / 362880, 1.0 / 40320);
                p = p.fma(v, DoubleVector.broadcast(D, 1.0 / 5040));
                p = p.fma(v, DoubleVector.broadcast(D, 1.0 / 720));
                p = p.fma(v, DoubleVector.broadcast(D, 1.0 / 120));
                p = p.fma(v, DoubleVector.broadcast(D, 1.0 / 24));
                p = p.fma(v, DoubleVector.broadcast(D, 1.0 / 6));
                p = p.fma(v, DoubleVector.broadcast(D, 0.5));
                p = p.fma(v, one);
                v = p.fma(v, one);
            }
            if (STAGE >= 4) {
                v = v.mul(t.reinterpretAsLongs().add(1023L).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles());
            }
            DoubleVector q = v;
            if (STAGE >= 5) {
                q = one.div(v.add(1.0));
                v = v.mul(q);
            }
            if (STAGE >= 6) {
                v = v.blend(q, xd.compare(VectorOperators.GE, 0.0));
            }
            ((FloatVector) v.convertShape(VectorOperators.D2F, FH, 0)).intoArray(y, i);
        }
    }

    public static void main(String[] args) {
        int n = 1 << 16;
        float[] x = new float[n];
        float[] y = new float[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 40 - 20);
        }
        boolean fast = KERNEL.equals("fast");
        // the Vector API loops compile late (seconds; more on a busy machine, hence -Xbatch in the script):
        // keep calling until the best time of a 2-second window is within 2% of the window before
        long best = Long.MAX_VALUE;
        long previous = Long.MAX_VALUE;
        long start = System.nanoTime();
        while (true) {
            long window = Long.MAX_VALUE;
            long w0 = System.nanoTime();
            while (System.nanoTime() - w0 < 2_000_000_000L) {
                long t0 = System.nanoTime();
                if (fast) {
                    fast(x, y, n);
                } else {
                    f64inside(x, y, n);
                }
                window = Math.min(window, System.nanoTime() - t0);
            }
            best = Math.min(best, window);
            if ((window > 0.98 * previous && System.nanoTime() - start > 8_000_000_000L) || System.nanoTime() - start > 60_000_000_000L) {
                break;
            }
            previous = window;
        }
        System.out.printf(Locale.ROOT, "%s,%d,%s,%.4f,%s%n", KERNEL, STAGE, STEPS[Math.min(STAGE, STEPS.length - 1)], best / (double) n, y[n / 3]);
    }
}
