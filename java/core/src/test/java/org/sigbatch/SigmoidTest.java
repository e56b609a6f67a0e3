package org.sigbatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;

class SigmoidTest {
    private static float[] randomFloats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 60 - 30);
        }
        return x;
    }

    private static double[] randomDoubles(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextDouble() * 1500 - 750;
        }
        return x;
    }

    private static Sigmoid cpu() {
        return Sigmoid.builder().backend(BackendKind.CPU).verify(VerifyPolicy.FULL).build();
    }

    // ------------------------------------------------------------------ results and provenance

    @ParameterizedTest
    @EnumSource(Op.class)
    void floatArraysMatchTheReferenceAndSayCpu(Op op) {
        int n = 100_003; // above the parallel threshold, odd
        float[] x = op == Op.BACKWARD_FROM_OUTPUT ? sig(randomFloats(n, 1)) : randomFloats(n, 1);
        float[] g = randomFloats(n, 2);
        float[] o0 = new float[n];
        float[] o1 = new float[n];
        try (Sigmoid s = cpu()) {
            Provenance p = s.apply(op, op.operands(Operand.of(x), Operand.of(g), Operand.of(o0), Operand.of(o1)));
            assertEquals("cpu", p.backend());
            assertEquals(op, p.op());
            assertEquals(DType.F32, p.dtype());
            assertEquals(n, p.elements());
            assertFalse(p.fellBack());
            assertEquals(n, p.verifiedElements(), "FULL verification checks every element");
        }
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(o0[i], OpReference.f32(op, 0, x[i], g[i])) <= OpReference.bound(op, 0), op + " at " + i);
        }
    }

    private static float[] sig(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) Reference.sigmoid(x[i]);
        }
        return y;
    }

    @Test
    void doubleArraysBuffersAndDeviceArraysAgree() {
        int n = 5000;
        double[] x = randomDoubles(n, 3);
        double[] y = new double[n];
        try (Sigmoid s = cpu()) {
            s.sigmoid(x, y);
            DoubleBuffer bx = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
            DoubleBuffer by = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
            bx.put(x).flip();
            s.apply(Op.SIGMOID, Operand.of(bx), Operand.of(by));
            for (int i = 0; i < n; i++) {
                assertEquals(Double.doubleToRawLongBits(y[i]), Double.doubleToRawLongBits(by.get(i)), "buffer element " + i);
                assertTrue(Ulps.error(y[i], Reference.sigmoidDD(x[i])) <= 1);
            }
            assertEquals(0, bx.position(), "buffers' positions are not moved");

            float[] xf = randomFloats(n, 4);
            float[] yf = new float[n];
            float[] df = new float[n];
            s.fused(xf, yf, df);
            try (DeviceArray dx = s.upload(xf); DeviceArray dy = s.allocate(DType.F32, n); DeviceArray dd = s.allocate(DType.F32, n)) {
                Provenance p = s.fused(dx, dy, dd);
                assertEquals("cpu", p.backend());
                float[] back = new float[n];
                dy.read(0, back, 0, n);
                assertArrayEquals(yf, back);
                dd.read(0, back, 0, n);
                assertArrayEquals(df, back);
            }
            FloatBuffer hx = FloatBuffer.wrap(xf, 10, 100); // heap buffer window [10, 110)
            FloatBuffer hy = FloatBuffer.allocate(200).position(50).limit(150);
            s.apply(Op.SIGMOID, Operand.of(hx), Operand.of(hy));
            for (int i = 0; i < 100; i++) {
                assertEquals(yf[10 + i], hy.get(50 + i), "heap buffer window element " + i);
            }
        }
    }

    @Test
    void inPlaceWorksForEveryOp() {
        float[] x = randomFloats(70_001, 6);
        float[] want = new float[x.length];
        float[] wantD = new float[x.length];
        try (Sigmoid s = cpu()) {
            s.fused(x, want, wantD);
            float[] a = x.clone();
            float[] d = new float[x.length];
            Provenance p = s.fused(a, a, d);
            assertArrayEquals(want, a);
            assertArrayEquals(wantD, d);
            assertEquals(x.length, p.verifiedElements(), "verified against the original x, not the overwritten one");
            float[] g = randomFloats(x.length, 7);
            float[] gi = new float[x.length];
            s.backward(x, g, gi);
            float[] g2 = g.clone();
            s.backward(x, g2, g2);
            assertArrayEquals(gi, g2);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        float[] x = randomFloats(1 << 20, 8);
        float[] one = new float[x.length];
        float[] two = new float[x.length];
        try (Sigmoid a = Sigmoid.builder().backend(BackendKind.CPU).option("cpu.threads", "1").build();
             Sigmoid b = Sigmoid.builder().backend(BackendKind.CPU).option("cpu.threads", "3").build()) {
            a.derivative(x, one);
            b.derivative(x, two);
        }
        assertArrayEquals(one, two);
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void badArgumentsAreRejectedWithMessagesThatNameTheProblem() {
        try (Sigmoid s = cpu()) {
            float[] x = new float[10];
            assertMessage(IllegalArgumentException.class, "x must not be null", () -> s.sigmoid((float[]) null, x));
            assertMessage(IllegalArgumentException.class, "y must not be null", () -> s.sigmoid(x, (float[]) null));
            assertMessage(IllegalArgumentException.class, "x has 10 elements but y has 9", () -> s.sigmoid(x, new float[9]));
            assertMessage(IllegalArgumentException.class, "float[]: offset 8 with length 5 is out of range for 10 elements", () -> Operand.of(x, 8, 5));
            assertMessage(IllegalArgumentException.class, "offset -1", () -> Operand.of(x, -1, 5));
            assertMessage(IllegalArgumentException.class, "length must be >= 0", () -> Operand.of(x, 0, -1));
            assertMessage(IllegalArgumentException.class, "sigmoid takes 2 operands (x, y), got 3",
                    () -> s.apply(Op.SIGMOID, Operand.of(x), Operand.of(x), Operand.of(x)));
            assertMessage(IllegalArgumentException.class, "gradOut must not be null", () -> s.apply(Op.BACKWARD, Operand.of(x), null, Operand.of(x)));
            assertMessage(IllegalArgumentException.class, "sigmoid: all operands must be float32, got a float64 operand",
                    () -> s.apply(Op.SIGMOID, Operand.of(x), Operand.of(new double[10])));
            assertMessage(IllegalArgumentException.class, "gradOut has 9", () -> s.backward(x, new float[9], new float[10]));
            assertMessage(IllegalArgumentException.class, "partially overlaps an input", () -> s.apply(Op.SIGMOID, Operand.of(x, 0, 5), Operand.of(x, 1, 5)));
            float[] yd = new float[10];
            assertMessage(IllegalArgumentException.class, "outputs y and d overlap", () -> s.fused(x, yd, yd));
            FloatBuffer ro = FloatBuffer.allocate(10).asReadOnlyBuffer();
            assertMessage(IllegalArgumentException.class, "y is a read-only buffer", () -> s.apply(Op.SIGMOID, Operand.of(FloatBuffer.allocate(10)), Operand.of(ro)));
            assertMessage(IllegalArgumentException.class, "x has 10 elements but y has 3",
                    () -> s.apply(Op.SIGMOID, Operand.of(FloatBuffer.allocate(10)), Operand.of(FloatBuffer.allocate(3))));
            DeviceArray dx = s.allocate(DType.F32, 4);
            dx.close();
            assertMessage(IllegalStateException.class, "x is a closed device array", () -> s.sigmoid(dx, dx));
        }
        Sigmoid closed = cpu();
        closed.close();
        assertMessage(IllegalStateException.class, "closed", () -> closed.sigmoid(new float[1], new float[1]));
    }

    @Test
    void badInputLeavesOutputsUntouched() {
        float[] y = {1, 2, 3};
        try (Sigmoid s = cpu()) {
            assertThrows(IllegalArgumentException.class, () -> s.apply(Op.SIGMOID, Operand.of(new float[3]), Operand.of(y, 1, 3)));
        }
        assertArrayEquals(new float[] {1, 2, 3}, y);
    }

    private static void assertMessage(Class<? extends Throwable> type, String part, org.junit.jupiter.api.function.Executable e) {
        Throwable t = assertThrows(type, e);
        assertTrue(t.getMessage() != null && t.getMessage().contains(part), "message '" + t.getMessage() + "' does not contain '" + part + "'");
    }

    // ------------------------------------------------------------------ selection, verification, fallback

    @Test
    void autoUsesTheAcceleratorFromItsBreakEvenSizeAndTheCpuBelow() {
        FakeAccelerator fake = new FakeAccelerator();
        fake.breakEven = 1000;
        try (Sigmoid s = Sigmoid.builder().providers(FakeAccelerator.with(FakeAccelerator.provider(fake))).backend(BackendKind.AUTO).build()) {
            assertEquals(List.of("cuda", "cpu"), s.availableBackends());
            assertEquals("cpu", s.sigmoid(new float[999], new float[999]).backend());
            Provenance p = s.sigmoid(new float[1000], new float[1000]);
            assertEquals("cuda", p.backend());
            assertEquals("Fake GPU", p.device());
            assertEquals(5, p.transferNanos());
            assertEquals(7, p.kernelNanos());
        }
    }

    @Test
    void warmUpRunsOneSigmoidCallPerDtypeFamilyThroughTheWholePathWhereTheBackendIsWarm() {
        FakeAccelerator fake = new FakeAccelerator();
        try (Sigmoid s = Sigmoid.builder().providers(FakeAccelerator.with(FakeAccelerator.provider(fake))).backend(BackendKind.CUDA)
                .option("cpu.warmup", "off").build()) {
            s.warmUp();
            int n = org.sigbatch.internal.CallRunner.CALL_PATH_WARMUP;
            assertEquals(List.of(Op.SIGMOID.label() + " " + DType.F32 + " " + n, Op.SIGMOID.label() + " " + DType.F64 + " " + n), fake.seen);
            fake.warm64 = false; // a backend not warm for a dtype gets no call of it: its stand-in is not the path
            s.warmUp();
            assertEquals(3, fake.seen.size());
            assertEquals(Op.SIGMOID.label() + " " + DType.F32 + " " + n, fake.seen.get(2));
        }
    }

    @Test
    void unavailableBackendIsReportedAndAutoFallsBackButExplicitRequestFails() {
        var providers = FakeAccelerator.with(FakeAccelerator.unavailable("libcuda.so.1: cannot open shared object file"));
        try (Sigmoid s = Sigmoid.builder().providers(providers).build()) {
            assertEquals(List.of("cpu"), s.availableBackends());
            assertEquals(Map.of("cuda", "libcuda.so.1: cannot open shared object file"), s.unavailableBackends());
            assertEquals("cpu", s.sigmoid(new float[1 << 21], new float[1 << 21]).backend());
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Sigmoid.builder().providers(providers).backend(BackendKind.CUDA).build());
        assertEquals("cuda unavailable: libcuda.so.1: cannot open shared object file", e.getMessage());
        BackendUnavailableException none = assertThrows(BackendUnavailableException.class,
                () -> Sigmoid.builder().providers(FakeAccelerator.with(FakeAccelerator.unavailable("x"))).backend(BackendKind.OPENCL).build());
        assertTrue(none.getMessage().startsWith("opencl unavailable: no provider"), none.getMessage());
    }

    @Test
    void backendComesFromPropertyThenEnvironmentThenAuto() {
        var providers = FakeAccelerator.with(FakeAccelerator.provider(new FakeAccelerator()));
        try (Sigmoid s = Sigmoid.builder().providers(providers).environment(Map.of("SIGBATCH_BACKEND", "cpu")).build()) {
            assertEquals("cpu", s.requested());
        }
        System.setProperty("sigbatch.backend", "cuda");
        try (Sigmoid s = Sigmoid.builder().providers(providers).environment(Map.of("SIGBATCH_BACKEND", "cpu")).build()) {
            assertEquals("cuda", s.requested(), "the system property wins over the environment");
        } finally {
            System.clearProperty("sigbatch.backend");
        }
        try (Sigmoid s = Sigmoid.builder().providers(providers).environment(Map.of()).build()) {
            assertEquals("auto", s.requested());
        }
        assertThrows(IllegalArgumentException.class,
                () -> Sigmoid.builder().providers(providers).environment(Map.of("SIGBATCH_BACKEND", "tpu")).build());
    }

    @Test
    void failureMidCallFallsBackLoudlyAndLosesNothingEvenInPlace() {
        FakeAccelerator fake = new FakeAccelerator();
        fake.failAfter = 700;
        try (Sigmoid s = Sigmoid.builder().providers(FakeAccelerator.with(FakeAccelerator.provider(fake))).backend(BackendKind.CUDA)
                .verify(VerifyPolicy.FULL).build()) {
            float[] x = randomFloats(2000, 10);
            float[] orig = x.clone();
            Provenance p = s.sigmoid(x, x); // in place: elements before 700 are already y
            assertTrue(p.fellBack());
            assertEquals("cpu", p.backend());
            assertEquals("cuda", p.fallbackFrom());
            assertEquals(700, p.primaryElements());
            assertTrue(p.fallbackReason().contains("injected device failure"));
            assertTrue(p.toString().contains("FALLBACK from cuda"), p.toString());
            assertEquals(2000, p.verifiedElements());
            for (int i = 0; i < x.length; i++) {
                assertTrue(Ulps.error(x[i], Reference.sigmoid(orig[i])) <= 1, "element " + i);
            }
        }
    }

    @Test
    void verificationCatchesAWrongElementAndNamesIt() {
        FakeAccelerator fake = new FakeAccelerator();
        fake.corruptAt = 1234;
        try (Sigmoid s = Sigmoid.builder().providers(FakeAccelerator.with(FakeAccelerator.provider(fake))).backend(BackendKind.CUDA)
                .verify(VerifyPolicy.FULL).build()) {
            float[] x = randomFloats(3000, 11);
            VerificationException e = assertThrows(VerificationException.class, () -> s.derivative(x, new float[3000]));
            assertEquals(1234, e.index());
            assertEquals("cuda", e.backend());
            assertEquals(x[1234], (float) e.input());
            assertTrue(e.getMessage().contains("index 1234"), e.getMessage());
            assertTrue(e.ulps() > 2);
        }
        fake.corruptAt = 0; // SAMPLE always includes both ends
        try (Sigmoid s = Sigmoid.builder().providers(FakeAccelerator.with(FakeAccelerator.provider(fake))).backend(BackendKind.CUDA)
                .verify(VerifyPolicy.SAMPLE).sampleSize(8).build()) {
            VerificationException e = assertThrows(VerificationException.class, () -> s.sigmoid(randomFloats(5000, 12), new float[5000]));
            assertEquals(0, e.index());
        }
        fake.corruptAt = -1;
        try (Sigmoid s = Sigmoid.builder().providers(FakeAccelerator.with(FakeAccelerator.provider(fake))).backend(BackendKind.CUDA)
                .verify(VerifyPolicy.NONE).build()) {
            assertEquals(0, s.sigmoid(randomFloats(10, 1), new float[10]).verifiedElements());
        }
    }

}
