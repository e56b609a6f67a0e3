package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;

/** The exhaustive sweep's vectorized reference and ULP measure against the scalar ones they replace. */
class Sweep32Test {
    @Test
    void vectorReferenceAgreesWithTheScalarReference() {
        // every 1021st bit pattern (4.2M inputs) plus the specials: the difference in float ULPs of the value, which is what
        // the sweep measures with. Not relative: below 2^-1022 (x < -708) both are double subnormals, 0 as floats, and
        // differ by up to 2^-48 relative on AVX-512 (seen at x = -710.94), which is 2^-100 of a float ULP there.
        float[] x = new float[Sweep32.BLOCK];
        double[] ry = new double[x.length];
        double[] rd = new double[x.length];
        double worst = 0;
        long n = 0;
        for (long base = 0; base < (1L << 32); base += 1021L * x.length) {
            for (int i = 0; i < x.length; i++) {
                x[i] = Float.intBitsToFloat((int) (base + 1021L * i));
            }
            if (base == 0) {
                float[] sp = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, -103.97208f, 17.32868f, 88f, -88f};
                System.arraycopy(sp, 0, x, 0, sp.length);
            }
            Sweep32.reference(x, ry, rd);
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, floatUlpDiff(ry[i], Reference.sigmoid(x[i])));
                worst = Math.max(worst, floatUlpDiff(rd[i], Reference.derivative(x[i])));
                n++;
            }
        }
        System.out.printf("vector reference vs scalar reference: %d inputs, max difference %.3g float ULP (2^%.1f)%n", n, worst,
                Math.log(worst) / Math.log(2));
        // the class comment promises 2^-26 of a float ULP: measured maxima are that close to the true ones
        assertTrue(worst <= 0x1p-26, "vector reference differs from Reference by " + worst + " float ULP");
    }

    /** |a − b| in ULPs of b rounded to float (2^-149 below the normal floats). */
    private static double floatUlpDiff(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.isNaN(a) && Double.isNaN(b) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (a == b) {
            return 0;
        }
        return Math.abs(a - b) / Math.ulp((float) b);
    }

    @Test
    void vectorUlpErrorEqualsUlpsError() {
        SplittableRandom r = new SplittableRandom(5);
        float[] a = new float[Sweep32.L];
        double[] ref = new double[Sweep32.L];
        double[] got = new double[Sweep32.L];
        float[] specials = {Float.NaN, 0f, -0f, Float.MIN_VALUE, Float.MIN_NORMAL, 1f, 0.25f, Float.POSITIVE_INFINITY, 1e-40f, 3e-39f};
        for (int round = 0; round < 200_000; round++) {
            for (int j = 0; j < a.length; j++) {
                float v = round < specials.length ? specials[(round + j) % specials.length] : Float.intBitsToFloat(r.nextInt() & 0x3FFFFFFF);
                a[j] = v;
                ref[j] = switch (r.nextInt(5)) {
                    case 0 -> v;
                    case 1 -> v * (1 + r.nextDouble() * 0x1p-21);
                    case 2 -> Math.nextUp((double) v);
                    case 3 -> round % 7 == 0 ? Double.NaN : (double) Float.intBitsToFloat(Float.floatToRawIntBits(v) + 3);
                    default -> r.nextDouble() * 1e-39;
                };
            }
            var av = (jdk.incubator.vector.DoubleVector) jdk.incubator.vector.FloatVector.fromArray(Sweep32.FH, a, 0)
                    .convertShape(jdk.incubator.vector.VectorOperators.F2D, Sweep32.D, 0);
            Sweep32.errorUlps(av, jdk.incubator.vector.DoubleVector.fromArray(Sweep32.D, ref, 0)).intoArray(got, 0);
            for (int j = 0; j < a.length; j++) {
                assertEquals(Ulps.error(a[j], ref[j]), got[j], 0.0, "a=" + a[j] + " ref=" + ref[j]);
            }
        }
    }

    @Test
    void sweepFindsAPlantedError() {
        // a kernel that is exact but for one input, off by 3 ULP there: the sweep must report that input
        int planted = Float.floatToRawIntBits(-3.25f);
        F32Kernels exact = Kernels.scalarF32();
        F32Kernels broken = new F32Kernels() {
            @Override public String name() { return "planted"; }
            @Override public void sigmoid(float[] x, int xo, float[] y, int yo, int n) { throw new UnsupportedOperationException(); }
            @Override public void derivative(float[] x, int xo, float[] d, int dOff, int n) { throw new UnsupportedOperationException(); }
            @Override public void backward(float[] x, int xo, float[] g, int go, float[] o, int oo, int n) { throw new UnsupportedOperationException(); }
            @Override public void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] o, int oo, int n) { throw new UnsupportedOperationException(); }

            @Override
            public void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) {
                exact.fused(x, xo, y, yo, d, dOff, n);
                for (int i = 0; i < n; i++) {
                    if (Float.floatToRawIntBits(x[xo + i]) == planted) {
                        d[dOff + i] = Float.intBitsToFloat(Float.floatToRawIntBits(d[dOff + i]) + 3);
                    }
                }
            }
        };
        long from = Integer.toUnsignedLong(planted) & ~(4L * Sweep32.BLOCK - 1);
        var r = Sweep32.sweep(List.of(exact, broken), from, 4L * Sweep32.BLOCK);
        assertTrue(r.derivative().get(0).max <= 0.5 + 1e-6, "exact kernel: " + r.derivative().get(0).max);
        Sweep32.Stat s = r.derivative().get(1);
        assertEquals(planted, (int) s.arg, "worst input");
        assertTrue(s.max > 2.5 && s.max < 3.5, "planted error measured as " + s.max);
        assertEquals(1, s.overOne);
        assertEquals(r.sigma().get(0).max, r.sigma().get(1).max, 0.0);
    }
}
