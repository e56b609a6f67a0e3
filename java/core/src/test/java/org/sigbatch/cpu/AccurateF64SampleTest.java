package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;
import org.sigbatch.reference.DoubleDouble;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;

/**
 * The portable float64 kernels on a small sample of F64AccuracyTest's distributions (which PIT excludes:
 * 36 s): the whole double range, the slow path below −670 down past −1460 (results subnormal or 0,
 * rounded once), gradients from 2^-1074 to 2^1023 and the specials; each result within its bound of the
 * double-double reference, where that reference is exact enough (the same exclusions as there).
 */
class AccurateF64SampleTest {
    private static final F64Kernels K = AccurateF64Kernels.INSTANCE;
    private static final int N = 20_000;

    /** F64AccuracyTest's sample, plus a uniform stretch over the slow path's range. */
    private static double[] inputs(long seed) {
        double[] x = F64AccuracyTest.sample(seed, N);
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (int i = 0; i < N / 4; i++) {
            x[4 * i] = -1500 + 850 * r.nextDouble(); // [-1500, -650]
        }
        double[] sp = {-670.0, Math.nextDown(-670.0), -1460.0, Math.nextDown(-1460.0), -708.4, -745.1, -744.4, 0.0, -0.0,
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE};
        System.arraycopy(sp, 0, x, 1, sp.length);
        return x;
    }

    private static void check(Op op, int out, double[] x, double[] g, double[] got, boolean skipHugeGBeyond700) {
        double bound = OpReference.bound(op, out);
        for (int i = 0; i < N; i++) {
            if (skipHugeGBeyond700 && Math.abs(x[i]) > 700 && !(Math.abs(g[i]) <= 1)) {
                continue; // the reference rounds σ' first there (F64AccuracyTest.backward)
            }
            double err = OpReference.error64(op, out, x[i], g == null ? 0 : g[i], got[i]);
            if (!(err <= bound)) {
                fail(op + " output " + out + " at " + i + ": x=" + x[i] + (g == null ? "" : " g=" + g[i]) + " got " + got[i] + " (" + err + " ULP)");
            }
        }
    }

    @Test
    void itSaysWhatItIs() {
        org.junit.jupiter.api.Assertions.assertEquals("table-dd", K.name()); // shown in the device string and describe
    }

    @Test
    void sigmoidDerivativeAndFusedOverTheWholeRange() {
        double[] x = inputs(21);
        double[] y = new double[N];
        double[] d = new double[N];
        K.sigmoid(x, 0, y, 0, N);
        check(Op.SIGMOID, 0, x, null, y, false);
        K.derivative(x, 0, d, 0, N);
        check(Op.DERIVATIVE, 0, x, null, d, false);
        double[] fy = new double[N];
        double[] fd = new double[N];
        K.fused(x, 0, fy, 0, fd, 0, N);
        check(Op.FUSED, 0, x, null, fy, false);
        check(Op.FUSED, 1, x, null, fd, false);
    }

    @Test
    void backwardWithGradientsOfEveryMagnitude() {
        double[] x = inputs(22);
        double[] g = F64AccuracyTest.gradients(23, N);
        double[] out = new double[N];
        K.backward(x, 0, g, 0, out, 0, N);
        check(Op.BACKWARD, 0, x, g, out, true);
    }

    @Test
    void backwardFromOutputOnRealisticAndOutOfRangeOutputs() {
        SplittableRandom rnd = new SplittableRandom(24);
        double[] y = new double[N];
        K.sigmoid(inputs(25), 0, y, 0, N);
        for (int i = 0; i < N; i++) {
            switch (rnd.nextInt(4)) {
                case 0 -> y[i] = 1 - Math.scalb(1 + rnd.nextDouble(), -rnd.nextInt(60)); // near 1
                case 1 -> y[i] = Math.scalb(rnd.nextDouble() - 0.5, rnd.nextInt(1000) - 500); // outside [0, 1]
                default -> {
                }
            }
        }
        double[] g = F64AccuracyTest.gradients(26, N);
        double[] out = new double[N];
        K.backwardFromOutput(y, 0, g, 0, out, 0, N);
        double bound = OpReference.bound(Op.BACKWARD_FROM_OUTPUT, 0);
        for (int i = 0; i < N; i++) {
            DoubleDouble r = Reference.backwardFromOutputDD(y[i], g[i]);
            if (Double.isFinite(y[i]) && Double.isFinite(g[i]) && !Double.isFinite(r.hi())) {
                continue; // the reference overflows (F64AccuracyTest.backwardFromOutput)
            }
            double err = Ulps.error(out[i], r);
            if (!(err <= bound)) {
                fail("backwardFromOutput at " + i + ": y=" + y[i] + " g=" + g[i] + " got " + out[i] + " (" + err + " ULP)");
            }
        }
    }

    private static double backward(double x, double g) {
        double[] out = new double[1];
        K.backward(new double[] {x}, 0, new double[] {g}, 0, out, 0, 1);
        return out[0];
    }

    private static void assertBits(double want, double got, String what) {
        if (Double.doubleToRawLongBits(want) != Double.doubleToRawLongBits(got) && !(Double.isNaN(want) && Double.isNaN(got))) {
            fail(what + ": want " + want + ", got " + got);
        }
    }

    @Test
    void onTheSlowPathAZeroKeepsTheSignOfGAndInfinitiesFollowIeee() {
        // g·σ'(x) underflows to a zero with g's sign: below the zero limit, for tiny g, and when rounding to 0
        assertBits(-0.0, backward(-1500, -3), "x < -1460, g < 0");
        assertBits(0.0, backward(-1500, 3), "x < -1460, g > 0");
        assertBits(-0.0, backward(-700, -0x1p-250), "|g| < 2^-200");
        assertBits(-0.0, backward(-740, -0x1p-60), "a result below half the smallest subnormal");
        assertBits(0.0, backward(-740, 0x1p-60), "the same, g > 0");
        // σ'(±Inf) = 0, σ'(finite) > 0: an infinite g gives NaN (Inf·0) or ±Inf
        assertBits(Double.NaN, backward(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY), "Inf · σ'(-Inf) = Inf · 0");
        assertBits(Double.NEGATIVE_INFINITY, backward(-800, Double.NEGATIVE_INFINITY), "-Inf · σ'(-800) > 0");
        assertBits(Double.POSITIVE_INFINITY, backward(900, Double.POSITIVE_INFINITY), "+Inf · σ'(900)");
        assertBits(Double.NaN, backward(-800, Double.NaN), "NaN g");
    }

    @Test
    void aWindowOutsideAnyOneArrayIsRefusedBeforeAnythingIsWritten() {
        double[] ok = new double[4];
        double[] small = new double[2];
        // each op, with exactly one array too short for the window of 3
        org.junit.jupiter.api.function.Executable[] bad = {
            () -> K.sigmoid(small, 0, ok, 0, 3), () -> K.sigmoid(ok, 0, small, 0, 3),
            () -> K.derivative(small, 0, ok, 0, 3), () -> K.derivative(ok, 0, small, 0, 3),
            () -> K.fused(small, 0, ok, 0, ok, 0, 3), () -> K.fused(ok, 0, small, 0, ok, 0, 3), () -> K.fused(ok, 0, ok, 0, small, 0, 3),
            () -> K.backward(small, 0, ok, 0, ok, 0, 3), () -> K.backward(ok, 0, small, 0, ok, 0, 3), () -> K.backward(ok, 0, ok, 0, small, 0, 3),
            () -> K.backwardFromOutput(small, 0, ok, 0, ok, 0, 3), () -> K.backwardFromOutput(ok, 0, small, 0, ok, 0, 3),
            () -> K.backwardFromOutput(ok, 0, ok, 0, small, 0, 3),
        };
        for (int i = 0; i < bad.length; i++) {
            java.util.Arrays.fill(ok, 0.5);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, bad[i], "case " + i);
            org.junit.jupiter.api.Assertions.assertEquals("window [0, 0+3) outside array of length 2", e.getMessage(), "case " + i);
            org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, ok, "case " + i + ": nothing written");
        }
    }
}
