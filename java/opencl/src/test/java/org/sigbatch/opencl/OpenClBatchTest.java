package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.testing.UlpCheck;
import org.sigbatch.testing.TestData;

/** Lengths, device-array chains and forced chunking (offsets, in place, buffers and threads: {@link OpenClContractTest}). */
class OpenClBatchTest {
    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 4, 5, 1023, (1 << 20) + 7})
    void oddLengths(int n) {
        try (Sigmoid s = OpenClTesting.sigmoid()) {
            float[] x = TestData.inputsF32(n, n).clone();
            x = java.util.Arrays.copyOf(x, n);
            float[] y = new float[n];
            float[] d = new float[n];
            Provenance p = s.fused(x, y, d);
            assertEquals("opencl", p.backend());
            assertEquals(n, p.elements());
            UlpCheck.f32(Op.FUSED, 0, x, null, y, n, "len " + n);
            UlpCheck.f32(Op.FUSED, 1, x, null, d, n, "len " + n);
            double[] xd = new double[n];
            for (int i = 0; i < n; i++) {
                xd[i] = x[i] * 7.25;
            }
            double[] yd = new double[n];
            s.sigmoid(xd, yd);
            UlpCheck.f64(Op.SIGMOID, 0, xd, null, yd, n, "f64 len " + n);
        }
    }

    @Test
    void deviceArrayChain() {
        try (Sigmoid s = OpenClTesting.sigmoid()) {
            int n = 123_457;
            float[] x = java.util.Arrays.copyOf(TestData.inputsF32(n, 31), n);
            float[] g = TestData.gradF32(n, 32);
            try (DeviceArray dx = s.upload(x); DeviceArray dg = s.upload(g);
                    DeviceArray dy = s.allocate(DType.F32, n); DeviceArray dd = s.allocate(DType.F32, n);
                    DeviceArray gi = s.allocate(DType.F32, n)) {
                assertEquals("opencl", dx.backend());
                Provenance p1 = s.sigmoid(dx, dy);
                Provenance p2 = s.derivative(dx, dd);
                Provenance p3 = s.backward(dx, dg, gi);
                for (Provenance p : List.of(p1, p2, p3)) {
                    assertEquals("opencl", p.backend());
                    assertFalse(p.fellBack());
                    assertEquals(0, p.transferNanos(), "a call on device arrays moves no bytes");
                    assertTrue(p.kernelNanos() >= 0);
                }
                float[] y = new float[n];
                float[] d = new float[n];
                float[] r = new float[n];
                dy.read(0, y, 0, n);
                dd.read(0, d, 0, n);
                gi.read(0, r, 0, n);
                UlpCheck.f32(Op.SIGMOID, 0, x, null, y, n, "device");
                UlpCheck.f32(Op.DERIVATIVE, 0, x, null, d, n, "device");
                UlpCheck.f32(Op.BACKWARD, 0, x, g, r, n, "device");
                // partial read/write windows
                float[] part = new float[10];
                dy.read(n - 10, part, 0, 10);
                assertArrayEquals(java.util.Arrays.copyOfRange(y, n - 10, n), part);
                // in place on the device: y <- sigma'(y-array holding x)
                dy.write(0, x, 0, n);
                s.derivative(dy, dy);
                dy.read(0, y, 0, n);
                UlpCheck.f32(Op.DERIVATIVE, 0, x, null, y, n, "device in-place");
            }
            double[] xd = java.util.Arrays.copyOf(TestData.inputsF64(5000, 33), 5000);
            try (DeviceArray dx = s.upload(xd); DeviceArray dy = s.allocate(DType.F64, xd.length)) {
                s.sigmoid(dx, dy);
                double[] yd = new double[xd.length];
                dy.read(0, yd, 0, yd.length);
                UlpCheck.f64(Op.SIGMOID, 0, xd, null, yd, yd.length, "device f64");
            }
        }
    }

    /** A tiny chunk size forces dozens of chunks through both staging slots; results must equal the unchunked ones bit for bit. */
    @ParameterizedTest
    @EnumSource(Op.class)
    void forcedChunking(Op op) {
        int n = 100_003;
        float[] x = op == Op.BACKWARD_FROM_OUTPUT ? TestData.yF32(n, 41) : java.util.Arrays.copyOf(TestData.inputsF32(n, 41), n);
        float[] g = TestData.gradF32(n, 42);
        float[][] whole = run(OpenClTesting.sigmoid(), op, x, g);
        try (OpenClBackend b = OpenClTesting.backend("opencl.maxChunkBytes", "4096")) {
            assertEquals(1024, b.chunkElements(DType.F32));
        }
        float[][] chunked = run(OpenClTesting.sigmoid("opencl.maxChunkBytes", "4096"), op, x, g);
        for (int o = 0; o < op.outputs(); o++) {
            assertArrayEquals(whole[o], chunked[o]);
            UlpCheck.f32(op, o, x, op.inputs() > 1 ? g : null, chunked[o], n, "chunked");
        }
        double[] xd = new double[n];
        double[] gd = new double[n];
        for (int i = 0; i < n; i++) {
            xd[i] = x[i];
            gd[i] = g[i];
        }
        try (Sigmoid s = OpenClTesting.sigmoid("opencl.maxChunkBytes", "4096")) {
            double[] y = new double[n];
            double[] d = new double[n];
            s.apply(op, op.operands(Operand.of(xd), Operand.of(gd), Operand.of(y), Operand.of(d)));
            UlpCheck.f64(op, 0, xd, op.inputs() > 1 ? gd : null, y, n, "chunked f64");
            if (op == Op.FUSED) {
                UlpCheck.f64(op, 1, xd, null, d, n, "chunked f64");
            }
        }
    }

    private static float[][] run(Sigmoid s, Op op, float[] x, float[] g) {
        try (s) {
            int n = x.length;
            float[] y = new float[n];
            float[] d = new float[n];
            Provenance p = s.apply(op, op.operands(Operand.of(x), Operand.of(g), Operand.of(y), Operand.of(d)));
            assertEquals("opencl", p.backend());
            assertTrue(p.kernelNanos() > 0 && p.transferNanos() > 0, "timings are measured: " + p);
            return new float[][] {y, d};
        }
    }

}
