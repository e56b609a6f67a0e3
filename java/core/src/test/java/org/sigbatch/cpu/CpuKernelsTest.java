package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sigbatch.Op;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;

class CpuKernelsTest {
    /** Every float32 candidate that loaded, with its tier. */
    static Stream<Kernels.F32Candidate> kernels() {
        return Kernels.f32Candidates().stream().filter(Kernels.F32Candidate::present);
    }

    @Test
    void simdEngineIsActiveWhenTheVectorModuleIsPresent() {
        // surefire runs with --add-modules jdk.incubator.vector: the SIMD kernels must have loaded
        assertTrue(Kernels.vectorApiPresent(), "tests run without jdk.incubator.vector");
        assertTrue(Kernels.bestF32().name().startsWith("simd"), "SIMD kernels did not load: " + Kernels.simdUnavailableReason());
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void specialValues(Kernels.F32Candidate c) {
        F32Kernels k = c.kernels();
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, -89f, -100f, -103.972f, -103.97209f,
            -104f, 17.32868f, 17.33f, 88f, 100f, 103.97f, 104f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, 3.4526e-4f};
        float[] y = new float[x.length];
        float[] d = new float[x.length];
        k.fused(x, 0, y, 0, d, 0, x.length);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(d[0]), "NaN must give NaN");
        assertEquals(1f, y[1]);
        assertEquals(0f, y[2]);
        assertEquals(0f, d[1]);
        assertEquals(0f, d[2]);
        assertEquals(0.5f, y[3]);
        assertEquals(0.5f, y[4]);
        assertEquals(0.25f, d[3]);
        assertTrue(y[5] > 0 && y[5] < Float.MIN_NORMAL, "sigma(-89) is subnormal, not 0: " + y[5]);
        assertTrue(y[6] > 0, "sigma(-100) ~ 3.8e-44 is not 0");
        assertEquals(0f, y[9], "sigma(-104) rounds to 0");
        assertEquals(1f, y[10], "sigma rounds to 1 from 17.32868");
        assertTrue(d[12] > 0, "sigma'(88) is a subnormal, not 0");
        for (int i = 0; i < x.length; i++) {
            assertTrue(Ulps.error(y[i], Reference.sigmoid(x[i])) <= c.tier().bound(Op.SIGMOID, 0), "sigma(" + x[i] + ") = " + y[i]);
            assertTrue(Ulps.error(d[i], Reference.derivative(x[i])) <= c.tier().bound(Op.DERIVATIVE, 0), "sigma'(" + x[i] + ") = " + d[i]);
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void everyOpWithinItsBoundAtOddLengthsAndOffsets(Kernels.F32Candidate c) {
        F32Kernels k = c.kernels();
        SplittableRandom r = new SplittableRandom(7);
        for (int n : List.of(0, 1, 3, 7, 8, 9, 15, 16, 17, 1023, 4099)) {
            int off = r.nextInt(5);
            float[] x = new float[n + off];
            float[] g = new float[n + off];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextDouble() * 220 - 110);
                g[i] = (float) (r.nextGaussian() * 3);
            }
            for (Op op : Op.values()) {
                float[] o0 = new float[n + 3];
                float[] o1 = new float[n + 3];
                java.util.Arrays.fill(o0, 42f);
                java.util.Arrays.fill(o1, 42f);
                float[] in = op == Op.BACKWARD_FROM_OUTPUT ? sig(x) : x;
                switch (op) {
                    case SIGMOID -> k.sigmoid(in, off, o0, 3, n);
                    case DERIVATIVE -> k.derivative(in, off, o0, 3, n);
                    case FUSED -> k.fused(in, off, o0, 3, o1, 3, n);
                    case BACKWARD -> k.backward(in, off, g, off, o0, 3, n);
                    case BACKWARD_FROM_OUTPUT -> k.backwardFromOutput(in, off, g, off, o0, 3, n);
                }
                for (int j = 0; j < 3; j++) {
                    assertEquals(42f, o0[j], "wrote before its window");
                }
                for (int i = 0; i < n; i++) {
                    double ref = OpReference.f32(op, 0, in[off + i], g[off + i]);
                    double err = Ulps.error(o0[3 + i], ref);
                    assertTrue(err <= c.tier().bound(op, 0), op + " n=" + n + " i=" + i + " x=" + in[off + i] + ": " + err + " ULP");
                    if (op == Op.FUSED) {
                        assertTrue(Ulps.error(o1[3 + i], Reference.derivative(in[off + i])) <= c.tier().bound(op, 1), "fused d at " + i);
                    }
                }
            }
        }
    }

    private static float[] sig(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) Reference.sigmoid(x[i]);
        }
        return y;
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void inPlaceMatchesOutOfPlace(Kernels.F32Candidate c) {
        F32Kernels k = c.kernels();
        SplittableRandom r = new SplittableRandom(3);
        int n = 1001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 60 - 30);
        }
        float[] y = new float[n];
        float[] d = new float[n];
        k.fused(x, 0, y, 0, d, 0, n);
        float[] x2 = x.clone();
        float[] d2 = new float[n];
        k.fused(x2, 0, x2, 0, d2, 0, n);
        assertArrayEquals(y, x2);
        assertArrayEquals(d, d2);
        float[] g = x.clone();
        float[] want = new float[n];
        k.backward(x, 0, g, 0, want, 0, n);
        k.backward(x, 0, g, 0, g, 0, n); // gradIn written over gradOut
        assertArrayEquals(want, g);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void resultOfAnElementDoesNotDependOnItsPosition(Kernels.F32Candidate c) {
        // the padded tail goes through the same arithmetic as the vector body
        F32Kernels k = c.kernels();
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[257];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 200 - 100);
        }
        float[] whole = new float[x.length];
        k.fused(x, 0, whole, 0, new float[x.length], 0, x.length);
        for (int i = 0; i < x.length; i++) {
            float[] one = new float[1];
            k.sigmoid(x, i, one, 0, 1);
            assertEquals(Float.floatToRawIntBits(whole[i]), Float.floatToRawIntBits(one[0]), "element " + i);
        }
    }
}
