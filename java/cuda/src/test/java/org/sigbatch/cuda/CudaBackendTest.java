package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.spi.Batch;

/**
 * The CUDA backend on a GPU: correctness of every op against the CPU reference on odd lengths,
 * offsets, in place, forced small chunks, several threads, device arrays, leak checks and failure
 * injection. Skipped visibly without a GPU; a failure where -Dsigbatch.require=cuda.
 */
class CudaBackendTest {
    static final int[] LENGTHS = {0, 1, 3, 1023, (1 << 20) + 7};

    static Sigmoid cuda(String... kv) {
        Toolchain.backendOrSkip(Map.of()).close();
        Sigmoid.Builder b = Sigmoid.builder().backend(BackendKind.CUDA);
        for (int i = 0; i < kv.length; i += 2) {
            b.option(kv[i], kv[i + 1]);
        }
        return b.build();
    }

    static float[] data(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 5) {
                case 0 -> (float) (r.nextDouble() * 240 - 120);
                case 1 -> (float) (r.nextDouble() * 20 - 10);
                case 2 -> Float.intBitsToFloat(r.nextInt());
                case 3 -> (float) r.nextDouble();
                default -> (float) ((r.nextDouble() - 0.5) * 1e-3);
            };
        }
        return x;
    }

    static double[] data64(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 4) {
                case 0 -> r.nextDouble() * 1500 - 750;
                case 1 -> r.nextDouble() * 80 - 40;
                case 2 -> r.nextDouble();
                default -> (r.nextDouble() - 0.5) * 1e-9;
            };
        }
        return x;
    }

    static void check32(Op op, float[] x, float[] g, float[][] outs, int xo, int oo, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < op.outputs(); j++) {
                double ref = OpReference.f32(op, j, x[xo + i], g == null ? 0f : g[xo + i]);
                double err = Ulps.error(outs[j][oo + i], ref);
                if (!(err <= OpReference.bound(op, j))) {
                    throw new AssertionError(op + " f32 output " + j + " at " + i + " x=" + x[xo + i] + ": " + outs[j][oo + i] + " vs " + ref + " (" + err + " ULP)");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIGMOID", "DERIVATIVE", "FUSED", "BACKWARD", "BACKWARD_FROM_OUTPUT"})
    void everyOpOnOddLengthsFloat32(Op op) {
        try (Sigmoid s = cuda()) {
            for (int n : LENGTHS) {
                float[] x = data(n, n);
                if (op == Op.BACKWARD_FROM_OUTPUT) {
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.abs(x[i]) % 1f;
                    }
                }
                float[] g = data(n, n + 1);
                for (int i = 0; i < n; i++) {
                    g[i] = Float.isFinite(g[i]) ? Math.max(-1e3f, Math.min(1e3f, g[i])) : 1f;
                }
                float[][] o = new float[op.outputs()][n];
                Provenance p = s.apply(op, op.operands(Operand.of(x), Operand.of(g), Operand.of(o[0]), op.outputs() > 1 ? Operand.of(o[1]) : null));
                assertEquals("cuda", p.backend(), "n=" + n);
                check32(op, x, op.inputs() == 2 ? g : null, o, 0, 0, n);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIGMOID", "DERIVATIVE", "FUSED", "BACKWARD", "BACKWARD_FROM_OUTPUT"})
    void everyOpFloat64(Op op) {
        try (Sigmoid s = cuda()) {
            for (int n : new int[] {0, 1, 3, 1023, 100_003}) {
                double[] x = data64(n, n);
                if (op == Op.BACKWARD_FROM_OUTPUT) {
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.abs(x[i]) % 1.0;
                    }
                }
                double[] g = data64(n, n + 7);
                if (op == Op.BACKWARD) {
                    // the double-double reference rounds e^-|x| to a subnormal first for |x| > 708,
                    // which gradOut then magnifies: keep e normal so the reference is exact enough
                    for (int i = 0; i < n; i++) {
                        x[i] = Math.max(-700, Math.min(700, x[i]));
                    }
                }
                double[][] o = new double[op.outputs()][n];
                Provenance p = s.apply(op, op.operands(Operand.of(x), Operand.of(g), Operand.of(o[0]), op.outputs() > 1 ? Operand.of(o[1]) : null));
                assertEquals("cuda", p.backend());
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < op.outputs(); j++) {
                        double err = Ulps.error(o[j][i], OpReference.f64(op, j, x[i], g[i]));
                        assertTrue(err <= OpReference.bound(op, j), op + " f64 at x=" + x[i] + " g=" + g[i] + ": " + err + " ULP");
                    }
                }
            }
        }
    }

    @Test
    void offsetsAndMisalignedWindows() {
        try (Sigmoid s = cuda("cuda.chunkElements", "1000")) {
            int n = 5000;
            float[] x = data(n + 7, 9);
            for (int xo = 0; xo < 4; xo++) {
                for (int yo = 0; yo < 4; yo++) {
                    float[] y = new float[n + 7];
                    float[] d = new float[n + 7];
                    s.apply(Op.FUSED, Operand.of(x, xo, n - 1), Operand.of(y, yo, n - 1), Operand.of(d, 3 - yo, n - 1));
                    for (int i = 0; i < n - 1; i++) {
                        assertTrue(Ulps.error(y[yo + i], OpReference.f32(Op.SIGMOID, 0, x[xo + i], 0)) <= 1);
                        assertTrue(Ulps.error(d[3 - yo + i], OpReference.f32(Op.DERIVATIVE, 0, x[xo + i], 0)) <= 2);
                    }
                    for (int i = 0; i < yo; i++) {
                        assertEquals(0f, y[i], "nothing written before the window");
                    }
                    for (int i = yo + n - 1; i < y.length; i++) {
                        assertEquals(0f, y[i], "nothing written after the window");
                    }
                }
            }
        }
    }

    @Test
    void inPlaceWithSmallChunks() {
        try (Sigmoid s = cuda("cuda.chunkElements", "4096", "cuda.streams", "2")) {
            int n = (1 << 20) + 7;
            float[] x = data(n, 11);
            float[] orig = x.clone();
            assertEquals("cuda", s.sigmoid(x, x).backend());
            check32(Op.SIGMOID, orig, null, new float[][] {x}, 0, 0, n);
            float[] g = data(n, 12);
            for (int i = 0; i < n; i++) {
                g[i] = Float.isFinite(g[i]) ? Math.max(-1e3f, Math.min(1e3f, g[i])) : 1f;
            }
            float[] g0 = g.clone();
            assertEquals("cuda", s.backward(orig, g, g).backend()); // gradIn replaces gradOut
            check32(Op.BACKWARD, orig, g0, new float[][] {g}, 0, 0, n);
        }
    }

    @Test
    void buffersAndDeviceArrays() {
        try (Sigmoid s = cuda()) {
            int n = 100_001;
            float[] x = data(n, 13);
            FloatBuffer xb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(x).flip();
            FloatBuffer yb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            assertEquals("cuda", s.apply(Op.SIGMOID, Operand.of(xb), Operand.of(yb)).backend());
            float[] y = new float[n];
            yb.get(0, y);
            check32(Op.SIGMOID, x, null, new float[][] {y}, 0, 0, n);

            try (DeviceArray dx = s.upload(x); DeviceArray dy = s.allocate(DType.F32, n); DeviceArray dd = s.allocate(DType.F32, n)) {
                assertEquals("cuda", dx.backend());
                for (int rep = 0; rep < 3; rep++) {
                    Provenance p = s.fused(dx, dy, dd);
                    assertEquals("cuda", p.backend());
                    assertTrue(p.kernelNanos() >= 0);
                }
                float[] y2 = new float[n];
                float[] d2 = new float[n];
                dy.read(0, y2, 0, n);
                dd.read(0, d2, 0, n);
                check32(Op.FUSED, x, null, new float[][] {y2, d2}, 0, 0, n);
                s.sigmoid(dx, dx); // in place on the device
                dx.read(0, y2, 0, n);
                check32(Op.SIGMOID, x, null, new float[][] {y2}, 0, 0, n);
            }
        }
    }

    /**
     * A device-array write is on the device before the next kernel starts (the kernels run on
     * non-blocking streams; a pageable copy may return before its DMA is done): 8 rounds of writing a
     * new value into 32M elements and computing σ at once. A stale element keeps the previous round's σ.
     */
    @Test
    void writesAreOrderedBeforeTheNextKernel() {
        try (Sigmoid s = cuda()) {
            int n = 1 << 25;
            float[] x = new float[n];
            float[] y = new float[n];
            try (DeviceArray dx = s.allocate(DType.F32, n); DeviceArray dy = s.allocate(DType.F32, n)) {
                for (int round = 0; round < 8; round++) {
                    float v = round - 4.5f;
                    Arrays.fill(x, v);
                    dx.write(0, x, 0, n);
                    assertEquals("cuda", s.sigmoid(dx, dy).backend());
                    Arrays.fill(y, Float.NaN);
                    dy.read(0, y, 0, n);
                    double ref = OpReference.f32(Op.SIGMOID, 0, v, 0);
                    assertTrue(Ulps.error(y[0], ref) <= 1, "round " + round + ": σ(" + v + ") = " + y[0]);
                    for (int i = 0; i < n; i++) {
                        if (Float.floatToRawIntBits(y[i]) != Float.floatToRawIntBits(y[0])) {
                            throw new AssertionError("round " + round + ": element " + i + " is " + y[i] + ", not σ(" + v + ") = " + y[0]
                                    + " (the kernel read data the write had not finished, or the read ran early)");
                        }
                    }
                }
            }
        }
    }

    /**
     * Windows of device arrays at every offset modulo 16 bytes: the kernels' vector path with a peeled
     * head (same misalignment everywhere) and their scalar path (different misalignments).
     */
    @Test
    void deviceWindowsAtEveryAlignment() throws Exception {
        try (CudaBackend b = Toolchain.backendOrSkip(Map.of())) {
            int n = 10_003;
            float[] x = data(n + 8, 16);
            double[] x64 = data64(n + 8, 17);
            try (DeviceArray dx = b.allocate(DType.F32, n + 8); DeviceArray dy = b.allocate(DType.F32, n + 8);
                    DeviceArray dd = b.allocate(DType.F32, n + 8); DeviceArray ex = b.allocate(DType.F64, n + 8);
                    DeviceArray ey = b.allocate(DType.F64, n + 8)) {
                dx.write(0, x, 0, n + 8);
                ex.write(0, x64, 0, n + 8);
                for (int xo = 0; xo < 4; xo++) {
                    for (int yo = 0; yo < 4; yo++) {
                        int len = n - xo;
                        b.execute(Op.FUSED, new Batch(DType.F32, len, List.of(new Operand.Device(dx, xo, len)),
                                List.of(new Operand.Device(dy, yo, len), new Operand.Device(dd, yo, len))));
                        float[] y = new float[n + 8];
                        float[] d = new float[n + 8];
                        dy.read(0, y, 0, n + 8);
                        dd.read(0, d, 0, n + 8);
                        check32(Op.FUSED, x, null, new float[][] {y, d}, xo, yo, len);
                        if (xo < 2 && yo < 2) {
                            b.execute(Op.SIGMOID, new Batch(DType.F64, len, List.of(new Operand.Device(ex, xo, len)),
                                    List.of(new Operand.Device(ey, yo, len))));
                            double[] y64 = new double[n + 8];
                            ey.read(0, y64, 0, n + 8);
                            for (int i = 0; i < len; i++) {
                                assertTrue(Ulps.error(y64[yo + i], OpReference.f64(Op.SIGMOID, 0, x64[xo + i], 0)) <= 1, "f64 at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void timingsAreFilled() {
        try (Sigmoid s = cuda()) {
            int n = 1 << 22;
            float[] x = data(n, 14);
            Provenance p = s.sigmoid(x, new float[n]);
            assertTrue(p.transferNanos() > 0 && p.kernelNanos() > 0, p.toString());
            // busy times are unions over the streams: each fits in the call's wall time (5% for the two clocks)
            assertTrue(p.transferNanos() <= p.nanos() * 1.05 && p.kernelNanos() <= p.nanos() * 1.05,
                    "transfer " + p.transferNanos() + " / kernel " + p.kernelNanos() + " ns within wall " + p.nanos() + " ns");
        }
    }

    /** Direct buffers registered for DMA (cuMemHostRegister) per call: right results, and nothing stays registered, also after a failure. */
    @Test
    void directBuffersAreRegisteredForTheCallOnly() throws Exception {
        Map<String, String> o = Map.of("cuda.registerMinBytes", "0", "cuda.chunkElements", "65536", "cuda.streams", "2");
        try (CudaBackend b = Toolchain.backendOrSkip(o)) {
            int n = (1 << 20) + 7;
            float[] x = data(n, 15);
            FloatBuffer xb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(0, x);
            FloatBuffer yb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            Batch batch = new Batch(DType.F32, n, List.of(Operand.of(xb)), List.of(Operand.of(yb)));
            b.execute(Op.SIGMOID, batch);
            float[] y = new float[n];
            yb.get(0, y);
            check32(Op.SIGMOID, x, null, new float[][] {y}, 0, 0, n);
            assertEquals(0, b.memory().hostRegistrations());
            assertEquals(0, b.memory().hostRegisteredBytes());
        }
        Map<String, String> failing = new java.util.HashMap<>(o);
        failing.put("cuda.inject.failAtChunk", "3");
        try (CudaBackend b = Toolchain.backendOrSkip(failing)) {
            int n = 1 << 20;
            FloatBuffer xb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(0, data(n, 16));
            FloatBuffer yb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            org.sigbatch.spi.BackendFailure f = org.junit.jupiter.api.Assertions.assertThrows(org.sigbatch.spi.BackendFailure.class,
                    () -> b.execute(Op.SIGMOID, new Batch(DType.F32, n, List.of(Operand.of(xb)), List.of(Operand.of(yb)))));
            assertEquals(2 * 65536, f.completed(), f.getMessage());
            assertEquals(0, b.memory().hostRegistrations(), "unregistered after the failure");
            assertEquals(0, b.memory().hostRegisteredBytes());
        }
    }

    @Test
    void describeHasTheDeviceFacts() {
        try (CudaBackend b = Toolchain.backendOrSkip(Map.of())) {
            Map<String, String> m = b.describe();
            for (String k : List.of("device", "compute capability", "multiprocessors", "memory", "driver", "gpu clock", "launch")) {
                assertNotNull(m.get(k), k + " in " + m);
            }
            System.out.println(m);
        }
    }
}
