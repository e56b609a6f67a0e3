package org.sigbatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.cpu.CpuBackend;
import org.sigbatch.cpu.Kernels;
import org.sigbatch.reference.HalfFormat;

/**
 * Every kind of operand as a window [3, 9) of 12 elements: element access, slices, the bulk copies
 * (to and from arrays and native-order byte buffers, at a start inside the window and the buffer's
 * position), the refusal of the wrong element type, overlap and identity. The contract suite covers
 * these through the backends, slowly; this is the fast check PIT runs (RELIABILITY.md).
 */
class OperandWindowsTest {
    private static final int CAP = 12;
    private static final int OFF = 3;
    private static final int LEN = 6;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = new CpuBackend(1, Kernels.scalarF32(), Kernels.bestF64());
    }

    @AfterAll
    static void close() {
        cpu.close(); // fails if a test left a device array open
    }

    enum Kind {
        F32_ARRAY(DType.F32), F64_ARRAY(DType.F64), F32_BUFFER(DType.F32), F64_BUFFER(DType.F64), F32_DIRECT(DType.F32), F64_DIRECT(DType.F64),
        F16_ARRAY(DType.F16), BF16_ARRAY(DType.BF16), F16_BUFFER(DType.F16), BF16_BUFFER(DType.BF16),
        F32_DEVICE(DType.F32), F64_DEVICE(DType.F64), F16_DEVICE(DType.F16), BF16_DEVICE(DType.BF16);

        final DType t;

        Kind(DType t) {
            this.t = t;
        }
    }

    /** A storage of CAP elements holding i + 0.25 at index i (exact in every format), and raw access to it. */
    private static final class Store implements AutoCloseable {
        final Kind kind;
        final Object storage;

        Store(Kind kind) {
            this.kind = kind;
            this.storage = switch (kind) {
                case F32_ARRAY -> new float[CAP];
                case F64_ARRAY -> new double[CAP];
                case F32_BUFFER -> FloatBuffer.allocate(CAP);
                case F64_BUFFER -> DoubleBuffer.allocate(CAP);
                case F32_DIRECT -> ByteBuffer.allocateDirect(CAP * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                case F64_DIRECT -> ByteBuffer.allocateDirect(CAP * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
                case F16_ARRAY, BF16_ARRAY -> new short[CAP];
                case F16_BUFFER, BF16_BUFFER -> ShortBuffer.allocate(CAP);
                default -> cpu.allocate(kind.t, CAP);
            };
            for (int i = 0; i < CAP; i++) {
                put(i, i + 0.25);
            }
        }

        Operand window(int off, int len) {
            return switch (kind) {
                case F32_ARRAY -> Operand.of((float[]) storage, off, len);
                case F64_ARRAY -> Operand.of((double[]) storage, off, len);
                case F32_BUFFER, F32_DIRECT -> new Operand.F32Buffer((FloatBuffer) storage, off, len); // Operand.of(buffer) would take a duplicate
                case F64_BUFFER, F64_DIRECT -> new Operand.F64Buffer((DoubleBuffer) storage, off, len);
                case F16_ARRAY -> Operand.f16((short[]) storage, off, len);
                case BF16_ARRAY -> Operand.bf16((short[]) storage, off, len);
                case F16_BUFFER -> new Operand.HalfBuffer(DType.F16, (ShortBuffer) storage, off, len);
                case BF16_BUFFER -> new Operand.HalfBuffer(DType.BF16, (ShortBuffer) storage, off, len);
                default -> Operand.of((DeviceArray) storage, off, len);
            };
        }

        double raw(int i) {
            return switch (storage) {
                case float[] a -> a[i];
                case double[] a -> a[i];
                case FloatBuffer b -> b.get(i);
                case DoubleBuffer b -> b.get(i);
                case short[] a -> HalfFormat.of(kind.t).toDouble(a[i]);
                case ShortBuffer b -> HalfFormat.of(kind.t).toDouble(b.get(i));
                case DeviceArray d -> {
                    double[] one = new double[1];
                    if (kind.t.isHalf()) {
                        short[] s = new short[1];
                        d.read(i, s, 0, 1);
                        one[0] = HalfFormat.of(kind.t).toDouble(s[0]);
                    } else if (kind.t == DType.F32) {
                        float[] f = new float[1];
                        d.read(i, f, 0, 1);
                        one[0] = f[0];
                    } else {
                        d.read(i, one, 0, 1);
                    }
                    yield one[0];
                }
                default -> throw new AssertionError(storage);
            };
        }

        private void put(int i, double v) {
            switch (storage) {
                case float[] a -> a[i] = (float) v;
                case double[] a -> a[i] = v;
                case FloatBuffer b -> b.put(i, (float) v);
                case DoubleBuffer b -> b.put(i, v);
                case short[] a -> a[i] = HalfFormat.of(kind.t).round(v);
                case ShortBuffer b -> b.put(i, HalfFormat.of(kind.t).round(v));
                case DeviceArray d -> {
                    if (kind.t.isHalf()) {
                        d.write(i, new short[] {HalfFormat.of(kind.t).round(v)}, 0, 1);
                    } else if (kind.t == DType.F32) {
                        d.write(i, new float[] {(float) v}, 0, 1);
                    } else {
                        d.write(i, new double[] {v}, 0, 1);
                    }
                }
                default -> throw new AssertionError(storage);
            }
        }

        @Override
        public void close() {
            if (storage instanceof DeviceArray d) {
                d.close();
            }
        }
    }

    private static void assertRaw(Store s, double... want) {
        for (int i = 0; i < CAP; i++) {
            assertEquals(want.length > i ? want[i] : i + 0.25, s.raw(i), s.kind + " element " + i);
        }
    }

    /** The storage's values with {@code v} at indices {@code at...}. */
    private static double[] with(double v, int... at) {
        double[] w = new double[CAP];
        for (int i = 0; i < CAP; i++) {
            w[i] = i + 0.25;
        }
        for (int i : at) {
            w[i] = v;
        }
        return w;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void elementAccessAndSlicesAreRelativeToTheWindow(Kind k) {
        try (Store s = new Store(k)) {
            Operand o = s.window(OFF, LEN);
            assertEquals(k.t, o.dtype());
            assertEquals(LEN, o.length());
            assertEquals(OFF, o.storageIndex());
            assertTrue(o.writable());
            Object st = o.storage();
            assertSame(s.storage, st);
            for (int i = 0; i < LEN; i++) {
                assertEquals(OFF + i + 0.25, o.get(i), "get(" + i + ")");
            }
            o.set(2, 7.5);
            assertRaw(s, with(7.5, OFF + 2));
            Operand sl = o.slice(1, 3);
            assertEquals(3, sl.length());
            assertEquals(OFF + 1, sl.storageIndex());
            assertSame(st, sl.storage());
            assertEquals(OFF + 1.25, sl.get(0));
            assertEquals(7.5, sl.get(1));
            sl.set(2, -1.5);
            assertRaw(s, patch(with(7.5, OFF + 2), OFF + 3, -1.5));
            assertThrows(IllegalArgumentException.class, () -> o.slice(4, 3), "a slice past the window");
            assertThrows(IllegalArgumentException.class, () -> sl.slice(-1, 1));
            assertThrows(IllegalArgumentException.class, () -> s.window(CAP - 2, 3), "a window past the storage");
        }
    }

    private static double[] patch(double[] w, int i, double v) {
        w[i] = v;
        return w;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void byteBufferCopiesStartAtTheBuffersPositionAndAdvanceIt(Kind k) {
        try (Store s = new Store(k)) {
            Operand o = s.window(OFF, LEN);
            int bytes = k.t.bytes();
            ByteBuffer dst = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder()).position(8);
            o.copyTo(1, 3, dst);
            assertEquals(8 + 3 * bytes, dst.position());
            for (int j = 0; j < 3; j++) {
                assertEquals(OFF + 1 + j + 0.25, element(k.t, dst, 8 + j * bytes), "copied element " + j);
            }
            assertEquals(0, dst.get(7), "nothing before the position");
            ByteBuffer src = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder()).position(4);
            putElement(k.t, src, 4, 9.5);
            putElement(k.t, src, 4 + bytes, -2.0);
            o.copyFrom(2, 2, src);
            assertEquals(4 + 2 * bytes, src.position());
            assertRaw(s, patch(with(9.5, OFF + 2), OFF + 3, -2.0));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void arrayCopiesTakeTheirOwnTypeAndRefuseTheOthers(Kind k) {
        try (Store s = new Store(k)) {
            Operand o = s.window(OFF, LEN);
            String own = k.t == DType.F32 ? "f32" : k.t == DType.F64 ? "f64" : "half";
            if (own.equals("f32")) {
                float[] a = new float[5];
                o.copyTo(2, 3, a, 1);
                assertEquals(OFF + 2.25f, a[1]);
                assertEquals(OFF + 4.25f, a[3]);
                assertEquals(0f, a[4]);
                o.copyFrom(1, 2, new float[] {0, 0, 6.5f, 8.5f}, 2);
            } else if (own.equals("f64")) {
                double[] a = new double[5];
                o.copyTo(2, 3, a, 1);
                assertEquals(OFF + 2.25, a[1]);
                assertEquals(OFF + 4.25, a[3]);
                assertEquals(0.0, a[4]);
                o.copyFrom(1, 2, new double[] {0, 0, 6.5, 8.5}, 2);
            } else {
                HalfFormat f = HalfFormat.of(k.t);
                short[] a = new short[5];
                o.copyTo(2, 3, a, 1);
                assertEquals(OFF + 2.25, f.toDouble(a[1]));
                assertEquals(OFF + 4.25, f.toDouble(a[3]));
                assertEquals(0, a[4]);
                o.copyFrom(1, 2, new short[] {0, 0, f.round(6.5), f.round(8.5)}, 2);
            }
            assertRaw(s, patch(with(6.5, OFF + 1), OFF + 2, 8.5));
            if (!own.equals("f32")) {
                assertWrongType(k, "float32", () -> o.copyTo(0, 1, new float[1], 0));
                assertWrongType(k, "float32", () -> o.copyFrom(0, 1, new float[1], 0));
            }
            if (!own.equals("f64")) {
                assertWrongType(k, "float64", () -> o.copyTo(0, 1, new double[1], 0));
                assertWrongType(k, "float64", () -> o.copyFrom(0, 1, new double[1], 0));
            }
            if (!own.equals("half")) {
                assertWrongType(k, "a 16-bit format", () -> o.copyTo(0, 1, new short[1], 0));
                assertWrongType(k, "a 16-bit format", () -> o.copyFrom(0, 1, new short[1], 0));
            }
        }
    }

    private static void assertWrongType(Kind k, String want, org.junit.jupiter.api.function.Executable e) {
        if (k.name().endsWith("DEVICE")) {
            assertThrows(RuntimeException.class, e); // the device array refuses it, in its own words
            return;
        }
        Throwable t = assertThrows(UnsupportedOperationException.class, e);
        assertEquals(k.t + " operand used as " + want, t.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void overlapsAndSameWindowCompareStorageAndRange(Kind k) {
        try (Store s = new Store(k); Store other = new Store(k)) {
            Operand o = s.window(OFF, LEN);
            assertTrue(o.overlaps(s.window(OFF + LEN - 1, 1)), "shares the last element");
            assertTrue(o.overlaps(s.window(0, OFF + 1)), "shares the first element");
            assertFalse(o.overlaps(s.window(OFF + LEN, CAP - OFF - LEN)), "adjacent after");
            assertFalse(o.overlaps(s.window(0, OFF)), "adjacent before");
            assertFalse(o.overlaps(s.window(OFF, 0)), "an empty window overlaps nothing");
            assertFalse(s.window(OFF, 0).overlaps(o));
            assertFalse(o.overlaps(s.window(OFF + 2, 0)), "not even inside another window");
            assertFalse(s.window(OFF + 2, 0).overlaps(o));
            assertFalse(o.overlaps(other.window(OFF, LEN)), "another storage");
            assertTrue(o.sameWindow(s.window(OFF, LEN)));
            assertFalse(o.sameWindow(s.window(OFF, LEN - 1)));
            assertFalse(o.sameWindow(s.window(OFF + 1, LEN - 1)));
            assertFalse(o.sameWindow(other.window(OFF, LEN)));
        }
    }

    private static double element(DType t, ByteBuffer b, int at) {
        return switch (t) {
            case F32 -> b.getFloat(at);
            case F64 -> b.getDouble(at);
            default -> HalfFormat.of(t).toDouble(b.getShort(at));
        };
    }

    private static void putElement(DType t, ByteBuffer b, int at, double v) {
        switch (t) {
            case F32 -> b.putFloat(at, (float) v);
            case F64 -> b.putDouble(at, v);
            default -> b.putShort(at, HalfFormat.of(t).round(v));
        }
    }

    @org.junit.jupiter.api.Test
    void factoriesTakeWholeArraysAndBufferPositionsAndReadOnlyBuffersAreInputsOnly() {
        short[] h = new short[7];
        assertEquals(DType.F16, Operand.f16(h).dtype());
        assertEquals(7, Operand.f16(h).length());
        assertEquals(DType.BF16, Operand.bf16(h).dtype());
        assertEquals(7, Operand.bf16(h).length());
        assertEquals(4, Operand.bf16(h, 2, 4).length());
        assertEquals(2, Operand.bf16(h, 2, 4).storageIndex());
        ShortBuffer sb = ShortBuffer.wrap(h).position(2).limit(5);
        for (Operand o : new Operand[] {Operand.f16(sb), Operand.bf16(sb)}) {
            assertEquals(2, o.storageIndex());
            assertEquals(3, o.length());
            assertTrue(o.writable());
        }
        assertEquals(2, sb.position(), "the buffer's position is not moved");
        assertEquals(DType.BF16, Operand.bf16(sb).dtype());
        FloatBuffer fb = FloatBuffer.allocate(9).position(4);
        assertEquals(4, Operand.of(fb).storageIndex());
        assertEquals(5, Operand.of(fb).length());
        DoubleBuffer db = DoubleBuffer.allocate(9).position(1).limit(3);
        assertEquals(1, Operand.of(db).storageIndex());
        assertEquals(2, Operand.of(db).length());
        assertEquals(9, Operand.of(new double[9]).length());
        assertEquals(9, Operand.of(new float[9]).length());
        for (Operand ro : new Operand[] {Operand.of(fb.asReadOnlyBuffer()), Operand.of(db.asReadOnlyBuffer()), Operand.f16(sb.asReadOnlyBuffer()),
            Operand.bf16(sb.asReadOnlyBuffer())}) {
            assertFalse(ro.writable(), ro.toString());
        }
        assertEquals("a short[] or ShortBuffer operand holds float16 or bfloat16, not float32",
                assertThrows(IllegalArgumentException.class, () -> new Operand.HalfArray(DType.F32, h, 0, 1)).getMessage());
        assertEquals("a short[] or ShortBuffer operand holds float16 or bfloat16, not null",
                assertThrows(IllegalArgumentException.class, () -> new Operand.HalfBuffer(null, sb, 0, 1)).getMessage());
        assertEquals("short[] must not be null", assertThrows(IllegalArgumentException.class, () -> Operand.f16((short[]) null)).getMessage());
        assertEquals("ShortBuffer must not be null", assertThrows(IllegalArgumentException.class, () -> Operand.bf16((ShortBuffer) null)).getMessage());
    }
}
