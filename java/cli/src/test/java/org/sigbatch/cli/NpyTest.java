package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.DType;
import org.sigbatch.cli.npy.Npy;
import org.sigbatch.cli.npy.NpyFormatException;
import org.sigbatch.cli.npy.NpyHeader;

/** The .npy header reader and writer on their own. */
class NpyTest {
    @TempDir
    Path dir;

    @Test
    void headersAreAlignedTo64AndEndWithANewline() {
        for (long[] shape : new long[][] {{}, {0}, {5}, {2, 3, 4}, {1L << 40}}) {
            byte[] h = Npy.header(DType.F32, shape, false);
            assertEquals(0, h.length % 64, NpyHeader.shapeString(shape));
            assertEquals('\n', h[h.length - 1]);
            assertEquals(1, h[6], "version 1.0 when it fits");
        }
    }

    @Test
    void shapesPrintAsPythonTuples() {
        assertEquals("()", NpyHeader.shapeString(new long[] {}));
        assertEquals("(7,)", NpyHeader.shapeString(new long[] {7}));
        assertEquals("(2, 3)", NpyHeader.shapeString(new long[] {2, 3}));
    }

    @Test
    void roundTripsFloat32AndFloat64() throws IOException {
        Path f = dir.resolve("a.npy");
        Npy.write(f, new long[] {2, 2}, new float[] {1, -2, Float.NaN, Float.MIN_VALUE});
        NpyHeader h = Npy.readHeader(f);
        assertEquals(DType.F32, h.dtype());
        assertArrayEquals(new long[] {2, 2}, h.shape());
        assertEquals(0, h.dataOffset() % 64);
        assertEquals(h.dataOffset() + 16, Files.size(f));
        float[] back = Npy.readFloats(f);
        assertEquals(Float.floatToRawIntBits(Float.MIN_VALUE), Float.floatToRawIntBits(back[3]));
        assertTrue(Float.isNaN(back[2]));
        Path g = dir.resolve("b.npy");
        Npy.write(g, new long[] {3}, new double[] {1, -0.0, Double.MAX_VALUE});
        assertArrayEquals(new double[] {1, -0.0, Double.MAX_VALUE}, Npy.readDoubles(g));
    }

    @Test
    void acceptsTheHeaderVariantsNumPyAndOthersWrite() throws IOException {
        String[] dicts = {
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
            "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3,)}",   // double quotes, no trailing comma
            "{'shape': (3L,), 'fortran_order': False, 'descr': '<f4'}",          // other key order, Python 2 long
            "{'descr':'<f4','fortran_order':False,'shape':[3]}",                 // list instead of tuple, no spaces
        };
        for (String d : dicts) {
            Path f = Cli.rawNpy(dir.resolve("v.npy"), 1, d, Cli.f32Bytes(1, 2, 3));
            NpyHeader h = Npy.readHeader(f);
            assertArrayEquals(new long[] {3}, h.shape(), d);
        }
    }

    @Test
    void rejectsANegativeOrOverflowingShape() throws IOException {
        Path f = Cli.rawNpy(dir.resolve("neg.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", new byte[0]);
        assertTrue(assertThrows(NpyFormatException.class, () -> Npy.readHeader(f)).getMessage().contains("negative"));
        Path g = Cli.rawNpy(dir.resolve("huge.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", new byte[0]);
        assertTrue(assertThrows(NpyFormatException.class, () -> Npy.readHeader(g)).getMessage().contains("overflows"));
    }

    @Test
    void rejectsADirectory() {
        assertTrue(assertThrows(NpyFormatException.class, () -> Npy.readHeader(dir)).getMessage().contains("is a directory"));
    }

    @Test
    void elementOrderOfCAndFortranArrays() {
        NpyHeader c = new NpyHeader(DType.F32, new long[] {2, 3}, false, 128, 1);
        NpyHeader f = new NpyHeader(DType.F32, new long[] {2, 3}, true, 128, 1);
        NpyHeader f1 = new NpyHeader(DType.F32, new long[] {1, 6}, true, 128, 1);
        NpyHeader c1 = new NpyHeader(DType.F32, new long[] {1, 6}, false, 128, 1);
        assertTrue(c.sameElementOrder(c));
        assertTrue(!c.sameElementOrder(f));
        assertTrue(c1.sameElementOrder(f1), "one long dimension: both orders coincide");
    }
}
