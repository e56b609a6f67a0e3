package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.testing.UlpCheck;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;

/** Native resources come back: device arrays, whole backends, leak detection on close. */
class OpenClResourceTest {
    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
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
            UlpCheck.f32(Op.SIGMOID, 0, x, null, y, x.length, "after a rejected binary");
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
