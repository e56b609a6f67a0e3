package org.sigbatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sigbatch.reference.OpReference;
import org.sigbatch.testing.TestData;

/**
 * The facade's shorthands other than float[] (double[] and device arrays), its introspection, what a
 * closed evaluator refuses, and Provenance's text: checked by value (ULP against the reference), for PIT
 * (SigmoidTest covers the float32 shorthands and the arguments).
 */
class SigmoidFacadeTest {
    private static final int N = 300;

    private static Sigmoid cpu() {
        return Sigmoid.builder().backend(BackendKind.CPU).build();
    }

    private static void check(Op op, int out, double[] x, double[] g, double[] got, Provenance p) {
        assertEquals("cpu", p.backend());
        assertEquals(op, p.op());
        assertEquals(N, p.elements());
        for (int i = 0; i < N; i++) {
            double err = p.dtype() == DType.F32 ? OpReference.error32(op, out, (float) x[i], (float) g[i], (float) got[i])
                    : OpReference.error64(op, out, x[i], g[i], got[i]);
            if (!(err <= OpReference.bound(op, out))) {
                fail(op + " " + p.dtype() + " output " + out + " at " + i + ": x=" + x[i] + " got " + got[i] + " (" + err + " ULP)");
            }
        }
    }

    @Test
    void doubleShorthandsComputeEachOp() {
        double[] x = Arrays.copyOf(TestData.inputsF64(N, 1), N);
        double[] y0 = TestData.yF64(N, 2);
        double[] g = TestData.gradF64(N, 3);
        try (Sigmoid s = cpu()) {
            double[] y = new double[N];
            double[] d = new double[N];
            check(Op.SIGMOID, 0, x, g, y, s.sigmoid(x, y));
            check(Op.DERIVATIVE, 0, x, g, d, s.derivative(x, d));
            double[] fy = new double[N];
            double[] fd = new double[N];
            Provenance pf = s.fused(x, fy, fd);
            check(Op.FUSED, 0, x, g, fy, pf);
            check(Op.FUSED, 1, x, g, fd, pf);
            double[] gi = new double[N];
            check(Op.BACKWARD, 0, x, g, gi, s.backward(x, g, gi));
            double[] gy = new double[N];
            check(Op.BACKWARD_FROM_OUTPUT, 0, y0, g, gy, s.backwardFromOutput(y0, g, gy));
        }
    }

    @Test
    void deviceArrayShorthandsComputeEachOpInPlaceOnTheDevice() {
        float[] xf = Arrays.copyOf(TestData.inputsF32(N, 4), N);
        float[] gf = TestData.gradF32(N, 5);
        float[] yf = TestData.yF32(N, 6);
        double[] x = widen(xf);
        double[] g = widen(gf);
        double[] y0 = widen(yf);
        try (Sigmoid s = cpu();
             DeviceArray dx = s.upload(xf); DeviceArray dg = s.upload(gf); DeviceArray dy0 = s.upload(yf);
             DeviceArray a = s.allocate(DType.F32, N); DeviceArray b = s.allocate(DType.F32, N)) {
            assertEquals("cpu", dx.backend());
            Provenance p = s.sigmoid(dx, a); // each call before reading its result
            check(Op.SIGMOID, 0, x, g, read(a), p);
            p = s.derivative(dx, b);
            check(Op.DERIVATIVE, 0, x, g, read(b), p);
            p = s.fused(dx, a, b);
            check(Op.FUSED, 0, x, g, read(a), p);
            check(Op.FUSED, 1, x, g, read(b), p);
            p = s.backward(dx, dg, a);
            check(Op.BACKWARD, 0, x, g, read(a), p);
            p = s.backwardFromOutput(dy0, dg, b);
            check(Op.BACKWARD_FROM_OUTPUT, 0, y0, g, read(b), p);
        }
        double[] xd = Arrays.copyOf(TestData.inputsF64(N, 7), N);
        try (Sigmoid s = cpu(); DeviceArray dx = s.upload(xd); DeviceArray out = s.allocate(DType.F64, N)) {
            assertEquals(DType.F64, dx.dtype());
            assertEquals(N, dx.length());
            Provenance p = s.sigmoid(dx, out);
            double[] got = new double[N];
            out.read(0, got, 0, N);
            check(Op.SIGMOID, 0, xd, new double[N], got, p);
        }
    }

    private static double[] read(DeviceArray a) {
        float[] f = new float[a.length()];
        a.read(0, f, 0, f.length);
        return widen(f);
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void nullArraysAreNamed() {
        try (Sigmoid s = cpu()) {
            assertMessage("x must not be null", () -> s.sigmoid((double[]) null, new double[1]));
            assertMessage("d must not be null", () -> s.derivative(new double[1], null));
            assertMessage("gradOut must not be null", () -> s.backward(new double[1], null, new double[1]));
            assertMessage("x must not be null", () -> s.sigmoid((DeviceArray) null, null));
            assertMessage("x must not be null", () -> s.upload((float[]) null));
            assertMessage("x must not be null", () -> s.upload((double[]) null));
        }
    }

    private static void assertMessage(String want, org.junit.jupiter.api.function.Executable e) {
        assertEquals(want, assertThrows(IllegalArgumentException.class, e).getMessage());
    }

    @Test
    void introspectionDescribesTheCpuBackend() {
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.CPU).verify(VerifyPolicy.SAMPLE).precision(Precision.FAST).build()) {
            assertEquals("cpu", s.requested());
            assertEquals(VerifyPolicy.SAMPLE, s.verifyPolicy());
            assertEquals(Precision.FAST, s.precision());
            List<String> av = s.availableBackends();
            assertEquals("cpu", av.get(av.size() - 1));
            assertFalse(s.unavailableBackends().containsKey("cpu"));
            assertTrue(s.deviceName("cpu").startsWith("cpu: ") && s.deviceName("cpu").contains(", fast, "), s.deviceName("cpu"));
            assertEquals("fast", s.describe("cpu").get("precision"));
            assertEquals("cpu", s.choose(Op.SIGMOID, DType.F32, 1000));
            Provenance p = s.sigmoid(new float[10], new float[10]);
            assertEquals(Precision.FAST, p.precision());
            assertTrue(p.toString().startsWith("sigmoid float32 x10 on cpu [cpu: ") && p.toString().contains(", precision fast"), p.toString());
            assertTrue(p.toString().contains(", verified ") && p.toString().endsWith(" (sample)"), p.toString());
        }
    }

    @Test
    void aClosedEvaluatorRefusesWorkAndClosingTwiceIsHarmless() {
        Sigmoid s = cpu();
        s.close();
        s.close();
        for (org.junit.jupiter.api.function.Executable e : List.<org.junit.jupiter.api.function.Executable>of(
                () -> s.apply(Op.SIGMOID, Operand.of(new float[1]), Operand.of(new float[1])),
                () -> s.allocate(DType.F32, 1),
                () -> s.upload(new double[1]),
                s::warmUp)) {
            assertEquals("this Sigmoid evaluator is closed", assertThrows(IllegalStateException.class, e).getMessage());
        }
    }

    @Test
    void provenanceTextNamesAFallbackAndOmitsWhatDidNotHappen() {
        Provenance plain = new Provenance("cpu", "dev", Op.BACKWARD_FROM_OUTPUT, DType.F64, 5, null, null, 5, VerifyPolicy.NONE, 0, 1, -1, -1);
        assertEquals("backward-from-output float64 x5 on cpu [dev]", plain.toString());
        assertEquals(Precision.ACCURATE, plain.precision());
        assertFalse(plain.fellBack());
        Provenance fb = new Provenance("cpu", "dev", Op.SIGMOID, DType.F32, 9, "cuda", "boom", 4, VerifyPolicy.FULL, 9, 1, -1, -1);
        assertTrue(fb.fellBack());
        assertEquals("sigmoid float32 x9 on cpu [dev] (FALLBACK from cuda after 4 elements: boom), verified 9 (full)", fb.toString());
    }

    @Test
    void everyFloatShorthandSaysWhichOpRan() {
        float[] x = Arrays.copyOf(TestData.inputsF32(N, 9), N);
        float[] g = TestData.gradF32(x.length, 10);
        float[] a = new float[x.length];
        float[] b = new float[x.length];
        try (Sigmoid s = Sigmoid.create(BackendKind.CPU)) {
            assertEquals("cpu", s.requested());
            assertEquals(Op.SIGMOID, s.sigmoid(x, a).op());
            assertEquals(Op.DERIVATIVE, s.derivative(x, a).op());
            assertEquals(Op.FUSED, s.fused(x, a, b).op());
            assertEquals(Op.BACKWARD, s.backward(x, g, a).op());
            check(Op.BACKWARD, 0, widen(x), widen(g), widen(a), s.backward(x, g, a));
            assertEquals(Op.BACKWARD_FROM_OUTPUT, s.backwardFromOutput(b, g, a).op());
            assertTrue(s.describe("cpu").containsKey("cost model"), "the backend's lines, then AUTO's: " + s.describe("cpu").keySet());
        }
    }

    @Test
    void closingTheEvaluatorFreesAndReportsDeviceArraysLeftOpen() {
        Sigmoid s = cpu();
        DeviceArray a = s.allocate(DType.F32, 4);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::close);
        assertTrue(a.isClosed(), "freed");
        assertTrue(e.getMessage().contains("leak") || e.getMessage().contains("open"), e.getMessage());
    }

    @Test
    void aSampleOfTwoIsTheSmallestAllowed() {
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.CPU).verify(VerifyPolicy.SAMPLE).sampleSize(2).build()) {
            assertEquals(2, s.sigmoid(new float[10], new float[10]).verifiedElements());
        }
        assertEquals("sample size must be at least 2, got 1",
                assertThrows(IllegalArgumentException.class, () -> Sigmoid.builder().sampleSize(1)).getMessage());
    }

    @Test
    void verificationFailuresCarryTheirFiguresAndHexForNonzeroFiniteValues() {
        VerificationException v = new VerificationException("gpu", Op.FUSED, "d", 7, 0.5, 0.25, 0.0, 3.0, 2.0);
        assertEquals(Op.FUSED, v.op());
        assertEquals(0.25, v.expected());
        assertEquals(0.0, v.actual());
        assertEquals(0.5, v.input());
        assertEquals(7, v.index());
        assertEquals("gpu", v.backend());
        assertEquals(3.0, v.ulps());
        assertEquals("gpu result of fused (d) at index 7 disagrees with the CPU reference: input 0.5 (0x1.0p-1), reference 0.25 (0x1.0p-2), "
                + "got 0.0 (3.00 ULP, bound 2.00)", v.getMessage());
        VerificationException w = new VerificationException("gpu", Op.SIGMOID, "y", 0, Double.NaN, Double.POSITIVE_INFINITY, 1, 1, 1);
        assertTrue(w.getMessage().contains("input NaN, reference Infinity, got 1.0 (0x1.0p0)"), w.getMessage());
        assertEquals(1.0, w.actual());
    }

    @Test
    void fusedBoundsAreSigmasThenTheDerivatives() {
        for (Precision p : Precision.values()) {
            assertEquals(p.bound(Op.SIGMOID, 0), p.bound(Op.FUSED, 0));
            assertEquals(p.bound(Op.DERIVATIVE, 0), p.bound(Op.FUSED, 1));
        }
        assertTrue(Precision.FAST.bound(Op.FUSED, 0) != Precision.FAST.bound(Op.FUSED, 1), "different bounds, so the test can fail");
    }
}
