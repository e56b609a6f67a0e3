package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.Sigmoid;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;

/** Native resources come back: device arrays, whole backends, leak detection on close. */
class OpenClResourceTest {
    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
    }

    @Test
    void thousandDeviceArrayCycles() throws Exception {
        try (OpenClBackend b = OpenClTesting.backend()) {
            long base = OpenClBackend.liveNativeObjects();
            for (int i = 0; i < 1000; i++) {
                DeviceArray a = b.allocate(i % 2 == 0 ? DType.F32 : DType.F64, 1 + (i % 7) * 1000);
                if (i % 100 == 0) {
                    float[] one = {1f};
                    if (a.dtype() == DType.F32) {
                        a.write(0, one, 0, 1);
                    }
                }
                assertEquals(base + 1, OpenClBackend.liveNativeObjects());
                a.close();
                a.close(); // idempotent
                assertTrue(a.isClosed());
                assertThrows(IllegalStateException.class, () -> a.read(0, new double[1], 0, 1));
            }
            assertEquals(0, b.openArrays());
            assertEquals(base, OpenClBackend.liveNativeObjects(), "device buffers leaked");
        }
    }

    @Test
    void backendOpenCloseCycles() throws Exception {
        // warm: the first open may build and cache the program
        OpenClTesting.backend().close();
        long base = OpenClBackend.liveNativeObjects();
        float[] x = {-1f, 0f, 1f, 2f, 3f};
        for (int i = 0; i < 200; i++) {
            try (OpenClBackend b = OpenClTesting.backend()) {
                if (i % 20 == 0) {
                    float[] y = new float[x.length];
                    b.execute(Op.SIGMOID, new Batch(DType.F32, x.length, java.util.List.of(new Operand.F32Array(x, 0, x.length)),
                            java.util.List.of(new Operand.F32Array(y, 0, x.length))));
                    Check.f32(Op.SIGMOID, 0, x, null, y, x.length, "cycle " + i);
                }
            }
            assertEquals(base, OpenClBackend.liveNativeObjects(), "native objects leaked after cycle " + i);
        }
    }

    @Test
    void closeWithOpenArrayThrowsAndFrees() {
        long base = OpenClBackend.liveNativeObjects();
        OpenClBackend b = OpenClTesting.backend();
        DeviceArray a = b.allocate(DType.F32, 100);
        IllegalStateException e = assertThrows(IllegalStateException.class, b::close);
        assertTrue(e.getMessage().contains("1 device array"), e.getMessage());
        assertTrue(a.isClosed());
        assertEquals(base, OpenClBackend.liveNativeObjects());
        b.close(); // second close is a no-op
        assertThrows(IllegalStateException.class, () -> b.allocate(DType.F32, 1));
    }

    @Test
    void facadeCloseWithOpenArrayThrows() {
        long base = OpenClBackend.liveNativeObjects();
        Sigmoid s = OpenClTesting.sigmoid();
        DeviceArray a = s.upload(new float[] {1f, 2f});
        assertEquals("opencl", a.backend());
        assertThrows(IllegalStateException.class, s::close);
        assertEquals(base, OpenClBackend.liveNativeObjects());
    }

    @Test
    void programBinaryCacheIsUsedAndARejectedBinaryIsRebuilt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String cache = dir.resolve("cl").toString();
        try (OpenClBackend b = OpenClTesting.backend("opencl.cache", cache)) {
            assertTrue(b.describe().get("program").startsWith("built from source"), b.describe().get("program"));
        }
        java.util.List<java.nio.file.Path> bins;
        try (var files = java.nio.file.Files.list(dir.resolve("cl"))) {
            bins = files.filter(f -> f.toString().endsWith(".bin")).toList();
        }
        assertEquals(1, bins.size(), "one cached binary");
        try (OpenClBackend b = OpenClTesting.backend("opencl.cache", cache)) {
            assertTrue(b.describe().get("program").startsWith("cached binary"), b.describe().get("program"));
        }
        java.nio.file.Files.write(bins.get(0), new byte[] {1, 2, 3, 4, 5, 6, 7, 8}); // corrupt it
        float[] x = {-1f, 0f, 1f, 2f, 3f};
        float[] y = new float[x.length];
        try (OpenClBackend b = OpenClTesting.backend("opencl.cache", cache)) {
            assertTrue(b.describe().get("program").startsWith("built from source"), b.describe().get("program"));
            b.execute(Op.SIGMOID, new Batch(DType.F32, x.length, java.util.List.of(new Operand.F32Array(x, 0, x.length)),
                    java.util.List.of(new Operand.F32Array(y, 0, x.length))));
            Check.f32(Op.SIGMOID, 0, x, null, y, x.length, "after a rejected binary");
        }
        assertTrue(java.nio.file.Files.size(bins.get(0)) > 8, "the rejected binary was replaced");
    }

    @Test
    void badArguments() {
        try (OpenClBackend b = OpenClTesting.backend()) {
            assertThrows(IllegalArgumentException.class, () -> b.allocate(DType.F32, -1));
            try (DeviceArray a = b.allocate(DType.F32, 10)) {
                assertThrows(IllegalArgumentException.class, () -> a.write(5, new float[10], 0, 10));
                assertThrows(IllegalArgumentException.class, () -> a.write(0, new double[10], 0, 10));
                assertThrows(IllegalArgumentException.class, () -> a.read(0, new float[5], 0, 10));
            }
            try (DeviceArray empty = b.allocate(DType.F64, 0)) {
                assertEquals(0, empty.length());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> OpenClTesting.backend("opencl.maxChunkBytes", "12"));
        assertThrows(IllegalArgumentException.class, () -> OpenClTesting.backend("opencl.f32", "half"));
    }
}
