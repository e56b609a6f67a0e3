package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

/** Lengths, offsets, in-place calls, NIO buffers, device arrays, forced chunking and concurrency. */
class OpenClBatchTest {
    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 4, 5, 1023, (1 << 20) + 7})
    void oddLengths(int n) {
        try (Sigmoid s = OpenClTesting.sigmoid()) {
            float[] x = OpenClTesting.inputsF32(n, n).clone();
            x = java.util.Arrays.copyOf(x, n);
            float[] y = new float[n];
            float[] d = new float[n];
            Provenance p = s.fused(x, y, d);
            assertEquals("opencl", p.backend());
            assertEquals(n, p.elements());
            Check.f32(Op.FUSED, 0, x, null, y, n, "len " + n);
            Check.f32(Op.FUSED, 1, x, null, d, n, "len " + n);
            double[] xd = new double[n];
            for (int i = 0; i < n; i++) {
                xd[i] = x[i] * 7.25;
            }
            double[] yd = new double[n];
            s.sigmoid(xd, yd);
            Check.f64(Op.SIGMOID, 0, xd, null, yd, n, "f64 len " + n);
        }
    }

    @Test
    void offsetsTouchOnlyTheWindow() {
        try (Sigmoid s = OpenClTesting.sigmoid()) {
            float[] x = OpenClTesting.inputsF32(5000, 9);
            float[] y = new float[6000];
            java.util.Arrays.fill(y, 42f);
            int n = 1237;
            s.apply(Op.SIGMOID, Operand.of(x, 11, n), Operand.of(y, 503, n));
            for (int i = 0; i < y.length; i++) {
                if (i < 503 || i >= 503 + n) {
                    assertEquals(42f, y[i], "element " + i + " outside the output window was written");
                }
            }
            float[] xs = java.util.Arrays.copyOfRange(x, 11, 11 + n);
            float[] ys = java.util.Arrays.copyOfRange(y, 503, 503 + n);
            Check.f32(Op.SIGMOID, 0, xs, null, ys, n, "offsets");
        }
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void inPlace(Op op) {
        inPlace(op, OpenClTesting.sigmoid());
        // chunked: in-place across chunk boundaries
        inPlace(op, OpenClTesting.sigmoid("opencl.maxChunkBytes", "4096"));
    }

    private static void inPlace(Op op, Sigmoid s) {
        try (s) {
            int n = 100_003;
            float[] x = op == Op.BACKWARD_FROM_OUTPUT ? OpenClTesting.yF32(n, 12) : OpenClTesting.inputsF32(n, 11);
            n = x.length;
            float[] g = OpenClTesting.gradF32(n, 13);
            float[] orig = x.clone();
            float[] d = new float[n];
            s.apply(op, op.operands(Operand.of(x), Operand.of(g), Operand.of(x), Operand.of(d)));
            Check.f32(op, 0, orig, op.inputs() > 1 ? g : null, x, n, "in-place");
            if (op == Op.FUSED) {
                Check.f32(op, 1, orig, null, d, n, "in-place");
            }
        }
    }

    @Test
    void directBuffers() {
        try (Sigmoid s = OpenClTesting.sigmoid()) {
            int n = 70_001;
            float[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF32(n, 21), n);
            FloatBuffer xb = ByteBuffer.allocateDirect((n + 10) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            FloatBuffer yb = ByteBuffer.allocateDirect((n + 10) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            FloatBuffer db = ByteBuffer.allocateDirect((n + 10) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            xb.position(7);
            xb.put(x);
            xb.position(7).limit(7 + n);
            yb.position(3).limit(3 + n);
            db.position(10);
            Provenance p = s.apply(Op.FUSED, Operand.of(xb), Operand.of(yb), Operand.of(db));
            assertEquals("opencl", p.backend());
            float[] y = new float[n];
            float[] d = new float[n];
            yb.get(3, y);
            db.get(10, d);
            Check.f32(Op.FUSED, 0, x, null, y, n, "direct");
            Check.f32(Op.FUSED, 1, x, null, d, n, "direct");
            assertEquals(7, xb.position(), "the call must not move the buffer's position");

            double[] xd = java.util.Arrays.copyOf(OpenClTesting.inputsF64(n, 22), n);
            DoubleBuffer xdb = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer().put(xd).flip();
            DoubleBuffer ydb = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
            s.apply(Op.DERIVATIVE, Operand.of(xdb), Operand.of(ydb));
            double[] yd = new double[n];
            ydb.get(0, yd);
            Check.f64(Op.DERIVATIVE, 0, xd, null, yd, n, "direct f64");
        }
    }

    @Test
    void deviceArrayChain() {
        try (Sigmoid s = OpenClTesting.sigmoid()) {
            int n = 123_457;
            float[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF32(n, 31), n);
            float[] g = OpenClTesting.gradF32(n, 32);
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
                Check.f32(Op.SIGMOID, 0, x, null, y, n, "device");
                Check.f32(Op.DERIVATIVE, 0, x, null, d, n, "device");
                Check.f32(Op.BACKWARD, 0, x, g, r, n, "device");
                // partial read/write windows
                float[] part = new float[10];
                dy.read(n - 10, part, 0, 10);
                assertArrayEquals(java.util.Arrays.copyOfRange(y, n - 10, n), part);
                // in place on the device: y <- sigma'(y-array holding x)
                dy.write(0, x, 0, n);
                s.derivative(dy, dy);
                dy.read(0, y, 0, n);
                Check.f32(Op.DERIVATIVE, 0, x, null, y, n, "device in-place");
            }
            double[] xd = java.util.Arrays.copyOf(OpenClTesting.inputsF64(5000, 33), 5000);
            try (DeviceArray dx = s.upload(xd); DeviceArray dy = s.allocate(DType.F64, xd.length)) {
                s.sigmoid(dx, dy);
                double[] yd = new double[xd.length];
                dy.read(0, yd, 0, yd.length);
                Check.f64(Op.SIGMOID, 0, xd, null, yd, yd.length, "device f64");
            }
        }
    }

    /** A tiny chunk size forces dozens of chunks through both staging slots; results must equal the unchunked ones bit for bit. */
    @ParameterizedTest
    @EnumSource(Op.class)
    void forcedChunking(Op op) {
        int n = 100_003;
        float[] x = op == Op.BACKWARD_FROM_OUTPUT ? OpenClTesting.yF32(n, 41) : java.util.Arrays.copyOf(OpenClTesting.inputsF32(n, 41), n);
        float[] g = OpenClTesting.gradF32(n, 42);
        float[][] whole = run(OpenClTesting.sigmoid(), op, x, g);
        try (OpenClBackend b = OpenClTesting.backend("opencl.maxChunkBytes", "4096")) {
            assertEquals(1024, b.chunkElements(DType.F32));
        }
        float[][] chunked = run(OpenClTesting.sigmoid("opencl.maxChunkBytes", "4096"), op, x, g);
        for (int o = 0; o < op.outputs(); o++) {
            assertArrayEquals(whole[o], chunked[o]);
            Check.f32(op, o, x, op.inputs() > 1 ? g : null, chunked[o], n, "chunked");
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
            Check.f64(op, 0, xd, op.inputs() > 1 ? gd : null, y, n, "chunked f64");
            if (op == Op.FUSED) {
                Check.f64(op, 1, xd, null, d, n, "chunked f64");
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

    @Test
    void concurrentCallsGiveIdenticalResults() throws Exception {
        int n = 300_001;
        float[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF32(n, 51), n);
        try (Sigmoid s = OpenClTesting.sigmoid("opencl.maxChunkBytes", "65536")) {
            float[] y0 = new float[n];
            float[] d0 = new float[n];
            s.fused(x, y0, d0);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[][]>> fs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    fs.add(pool.submit(() -> {
                        float[][] last = null;
                        for (int rep = 0; rep < 5; rep++) {
                            float[] y = new float[n];
                            float[] d = new float[n];
                            s.fused(x, y, d);
                            assertArrayEquals(y0, y);
                            assertArrayEquals(d0, d);
                            last = new float[][] {y, d};
                        }
                        return last;
                    }));
                }
                for (Future<float[][]> f : fs) {
                    float[][] r = f.get();
                    assertArrayEquals(y0, r[0]);
                    assertArrayEquals(d0, r[1]);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
