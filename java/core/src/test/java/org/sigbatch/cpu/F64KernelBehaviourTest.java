package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Special values, in-place and offset windows, NaN payloads and bad windows for the float64 kernels. */
public class F64KernelBehaviourTest {
    static Stream<F64Kernels> kernels() {
        return Kernels.f64Candidates().stream().filter(Kernels.F64Candidate::present).map(Kernels.F64Candidate::kernels);
    }

    @Test
    void theSimdKernelsAreTheBestF64WhenTheVectorModuleIsPresent() {
        assertTrue(Kernels.vectorApiPresent(), "tests run with --add-modules jdk.incubator.vector");
        assertEquals("simd", Kernels.f64Candidates().get(0).id());
        assertSame(Kernels.f64Candidates().get(0).kernels(), Kernels.bestF64(), "absent: " + Kernels.f64Candidates().get(0).absentReason());
        assertTrue(Kernels.bestF64().name().startsWith("simd-"), Kernels.bestF64().name());
        assertSame(AccurateF64Kernels.INSTANCE, Kernels.f64Candidates().get(1).kernels());
    }

    private static double sig(F64Kernels K, double x) {
        double[] y = new double[1];
        K.sigmoid(new double[] {x}, 0, y, 0, 1);
        return y[0];
    }

    private static double der(F64Kernels K, double x) {
        double[] d = new double[1];
        K.derivative(new double[] {x}, 0, d, 0, 1);
        return d[0];
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void specialValues(F64Kernels K) {
        assertEquals(0.5, sig(K, 0.0));
        assertEquals(0.5, sig(K, -0.0));
        assertEquals(0.25, der(K, 0.0));
        assertEquals(0.25, der(K, -0.0));
        assertEquals(1.0, sig(K, Double.POSITIVE_INFINITY));
        assertEquals(0.0, sig(K, Double.NEGATIVE_INFINITY));
        assertEquals(0.0, der(K, Double.POSITIVE_INFINITY));
        assertEquals(0.0, der(K, Double.NEGATIVE_INFINITY));
        assertEquals(1.0, sig(K, Double.MAX_VALUE));
        assertEquals(0.0, sig(K, -Double.MAX_VALUE));
        assertEquals(0.0, der(K, Double.MAX_VALUE));
        assertEquals(Double.MIN_VALUE, sig(K, -745.0)); // subnormal, not flushed
        assertEquals(Double.MIN_VALUE, der(K, 745.0));
        assertEquals(0.0, sig(K, -745.2));
        assertTrue(sig(K, -709) > 0 && sig(K, -709) < Double.MIN_NORMAL);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void nanPayloadsStayNaN(F64Kernels K) {
        double[] nans = {Double.NaN, Double.longBitsToDouble(0x7ff0000000000001L), Double.longBitsToDouble(0xfff8000000000abcL),
            Double.longBitsToDouble(0x7fffffffffffffffL), Double.longBitsToDouble(0xfff0000000000001L)};
        int n = nans.length;
        double[] out = new double[n];
        double[] out2 = new double[n];
        double[] ones = new double[n];
        Arrays.fill(ones, 1.0);
        K.sigmoid(nans, 0, out, 0, n);
        assertAllNaN(out);
        K.derivative(nans, 0, out, 0, n);
        assertAllNaN(out);
        K.fused(nans, 0, out, 0, out2, 0, n);
        assertAllNaN(out);
        assertAllNaN(out2);
        K.backward(nans, 0, ones, 0, out, 0, n);
        assertAllNaN(out);
        K.backward(ones, 0, nans, 0, out, 0, n); // NaN gradient
        assertAllNaN(out);
        double[] far = {-800, 800, -1000, Double.NEGATIVE_INFINITY, 0.5};
        K.backward(far, 0, nans, 0, out, 0, n);
        assertAllNaN(out);
        K.backwardFromOutput(nans, 0, ones, 0, out, 0, n);
        assertAllNaN(out);
        K.backwardFromOutput(ones, 0, nans, 0, out, 0, n);
        assertAllNaN(out);
    }

    private static void assertAllNaN(double[] v) {
        for (double d : v) {
            assertTrue(Double.isNaN(d), () -> Arrays.toString(v));
        }
    }

    private static double[] inputs(int n) {
        SplittableRandom rnd = new SplittableRandom(5);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = -760 + 1520 * rnd.nextDouble();
            if (i % 3 == 0) {
                x[i] = -20 + 40 * rnd.nextDouble();
            }
        }
        return x;
    }

    /** Every op in place (output window == input window) and at offsets gives the out-of-place bits. */
    @ParameterizedTest
    @MethodSource("kernels")
    void inPlaceAndOffsets(F64Kernels K) {
        int n = 1003;
        int off = 7;
        double[] x = inputs(n);
        double[] g = inputs(n + 1);
        double[] y = new double[n];
        double[] d = new double[n];
        double[] b = new double[n];
        double[] bo = new double[n];
        K.sigmoid(x, 0, y, 0, n);
        K.derivative(x, 0, d, 0, n);
        K.backward(x, 0, g, 1, b, 0, n);
        K.backwardFromOutput(y, 0, g, 1, bo, 0, n);

        double[] w = window(x, off);
        K.sigmoid(w, off, w, off, n);
        assertArrayEquals(y, Arrays.copyOfRange(w, off, off + n));
        assertUntouched(w, off, n);

        w = window(x, off);
        K.derivative(w, off, w, off, n);
        assertArrayEquals(d, Arrays.copyOfRange(w, off, off + n));

        w = window(x, off); // fused with y aliasing x, then with d aliasing x
        double[] dd = new double[n + 3];
        K.fused(w, off, w, off, dd, 3, n);
        assertArrayEquals(y, Arrays.copyOfRange(w, off, off + n));
        assertArrayEquals(d, Arrays.copyOfRange(dd, 3, 3 + n));
        w = window(x, off);
        double[] yy = new double[n];
        K.fused(w, off, yy, 0, w, off, n);
        assertArrayEquals(y, yy);
        assertArrayEquals(d, Arrays.copyOfRange(w, off, off + n));

        w = window(x, off); // backward: output over x, then over g
        double[] gw = window(Arrays.copyOfRange(g, 1, n + 1), 2);
        K.backward(w, off, gw, 2, w, off, n);
        assertArrayEquals(b, Arrays.copyOfRange(w, off, off + n));
        w = window(x, off);
        gw = window(Arrays.copyOfRange(g, 1, n + 1), 2);
        K.backward(w, off, gw, 2, gw, 2, n);
        assertArrayEquals(b, Arrays.copyOfRange(gw, 2, 2 + n));

        double[] yw = window(y, off);
        gw = window(Arrays.copyOfRange(g, 1, n + 1), 2);
        K.backwardFromOutput(yw, off, gw, 2, yw, off, n);
        assertArrayEquals(bo, Arrays.copyOfRange(yw, off, off + n));
    }

    private static double[] window(double[] v, int off) {
        double[] w = new double[v.length + 2 * off];
        Arrays.fill(w, -42.0);
        System.arraycopy(v, 0, w, off, v.length);
        return w;
    }

    private static void assertUntouched(double[] w, int off, int n) {
        for (int i = 0; i < off; i++) {
            assertEquals(-42.0, w[i]);
            assertEquals(-42.0, w[off + n + i]);
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void zeroLengthAndBadWindows(F64Kernels K) {
        double[] x = new double[4];
        K.sigmoid(x, 4, x, 4, 0); // empty window at the end is fine
        assertThrows(IllegalArgumentException.class, () -> K.sigmoid(x, 2, new double[4], 0, 3));
        assertThrows(IllegalArgumentException.class, () -> K.derivative(x, 0, new double[2], 0, 3));
        assertThrows(IllegalArgumentException.class, () -> K.fused(x, -1, x, 0, x, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> K.backward(x, 0, x, 0, x, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> K.backwardFromOutput(x, 0, new double[1], 0, x, 0, 2));
    }
}
