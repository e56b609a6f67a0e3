package org.sigbatch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import org.sigbatch.internal.Checks;
import org.sigbatch.reference.HalfFormat;

/**
 * One input or output of an evaluation: a window of {@link #length()} elements over a heap array, an
 * NIO buffer or a {@link DeviceArray}. Made by the factories below and passed to
 * {@link Sigmoid#apply(Op, Operand...)}:
 *
 * <pre>{@code
 * s.apply(Op.FUSED, Operand.of(x), Operand.of(y), Operand.of(d));          // whole arrays
 * s.apply(Op.SIGMOID, Operand.of(x, 128, n), Operand.of(buf));              // a window, a buffer
 * s.apply(Op.BACKWARD, Operand.of(dx), Operand.of(dg), Operand.of(dgi));    // device arrays
 * }</pre>
 *
 * A new kind of storage (or element type) is one record and one factory here; every op and backend
 * then takes it. Indices in the instance methods are relative to the window; backends use the bulk
 * {@code copy*} methods to fill or drain staging buffers, and the CPU backend reads heap arrays
 * directly.
 */
public sealed interface Operand {
    /** The whole array. */
    static Operand of(float[] a) {
        return new F32Array(Checks.notNull(a, "float[]"), 0, a.length);
    }

    /** Elements {@code [offset, offset+length)} of the array. */
    static Operand of(float[] a, int offset, int length) {
        return new F32Array(Checks.notNull(a, "float[]"), offset, length);
    }

    static Operand of(double[] a) {
        return new F64Array(Checks.notNull(a, "double[]"), 0, a.length);
    }

    static Operand of(double[] a, int offset, int length) {
        return new F64Array(Checks.notNull(a, "double[]"), offset, length);
    }

    /** Elements {@code [position, limit)} of the buffer (heap or direct; read-only only as an input). Its position is not moved. */
    static Operand of(FloatBuffer b) {
        return new F32Buffer(Checks.notNull(b, "FloatBuffer"), b.position(), b.remaining());
    }

    static Operand of(DoubleBuffer b) {
        return new F64Buffer(Checks.notNull(b, "DoubleBuffer"), b.position(), b.remaining());
    }

    /** A whole {@code short[]} of IEEE binary16 bit patterns (float16). */
    static Operand f16(short[] a) {
        return new HalfArray(DType.F16, Checks.notNull(a, "short[]"), 0, a.length);
    }

    /** Elements {@code [offset, offset+length)} of a {@code short[]} of float16 bit patterns. */
    static Operand f16(short[] a, int offset, int length) {
        return new HalfArray(DType.F16, Checks.notNull(a, "short[]"), offset, length);
    }

    /** A whole {@code short[]} of bfloat16 bit patterns (the top 16 bits of float32s). */
    static Operand bf16(short[] a) {
        return new HalfArray(DType.BF16, Checks.notNull(a, "short[]"), 0, a.length);
    }

    static Operand bf16(short[] a, int offset, int length) {
        return new HalfArray(DType.BF16, Checks.notNull(a, "short[]"), offset, length);
    }

    /** Elements {@code [position, limit)} of a buffer of float16 bit patterns; the position is not moved. */
    static Operand f16(ShortBuffer b) {
        return new HalfBuffer(DType.F16, Checks.notNull(b, "ShortBuffer"), b.position(), b.remaining());
    }

    static Operand bf16(ShortBuffer b) {
        return new HalfBuffer(DType.BF16, Checks.notNull(b, "ShortBuffer"), b.position(), b.remaining());
    }

    /** The whole device array. */
    static Operand of(DeviceArray a) {
        return new Device(Checks.notNull(a, "DeviceArray"), 0, a.length());
    }

    /** Elements {@code [offset, offset+length)} of the device array. */
    static Operand of(DeviceArray a, int offset, int length) {
        return new Device(Checks.notNull(a, "DeviceArray"), offset, length);
    }

    DType dtype();

    int length();

    /** False for storage that cannot take results (a read-only buffer). */
    default boolean writable() {
        return true;
    }

    /** The window {@code [from, from+len)} of this one. */
    Operand slice(int from, int len);

    double get(int i);

    void set(int i, double v);

    /** Copies elements {@code [start, start+n)} into {@code dst} (native byte order) at its position, advancing it. */
    void copyTo(int start, int n, ByteBuffer dst);

    /** Copies {@code n} elements from {@code src} (native byte order) at its position into {@code [start, start+n)}, advancing it. */
    void copyFrom(int start, int n, ByteBuffer src);

    /** Copies elements {@code [start, start+n)} into a float array (F32 operands only). */
    void copyTo(int start, int n, float[] dst, int dstOff);

    void copyFrom(int start, int n, float[] src, int srcOff);

    /** Copies elements {@code [start, start+n)} into a double array (F64 operands only). */
    void copyTo(int start, int n, double[] dst, int dstOff);

    void copyFrom(int start, int n, double[] src, int srcOff);

    /** Copies elements {@code [start, start+n)} as raw 16-bit patterns (F16 and BF16 operands only). */
    default void copyTo(int start, int n, short[] dst, int dstOff) {
        throw wrongType(this, "a 16-bit format");
    }

    default void copyFrom(int start, int n, short[] src, int srcOff) {
        throw wrongType(this, "a 16-bit format");
    }

    /** The storage object (array, buffer or device array) and the element index where the window starts. */
    Object storage();

    int storageIndex();

    /** True if both windows share at least one element of the same storage. */
    default boolean overlaps(Operand o) {
        return storage() == o.storage() && length() > 0 && o.length() > 0
                && storageIndex() < o.storageIndex() + o.length() && o.storageIndex() < storageIndex() + length();
    }

    /** True if both windows are exactly the same elements of the same storage (an in-place call). */
    default boolean sameWindow(Operand o) {
        return storage() == o.storage() && storageIndex() == o.storageIndex() && length() == o.length();
    }

    private static void checkWindow(int capacity, int index, int length, String what) {
        Checks.window(what, capacity, index, length);
    }

    private static UnsupportedOperationException wrongType(Operand o, String want) {
        return new UnsupportedOperationException(o.dtype() + " operand used as " + want);
    }

    /** A window of a {@code float[]}. */
    record F32Array(float[] array, int offset, int length) implements Operand {
        public F32Array {
            checkWindow(array.length, offset, length, "float[]");
        }

        @Override public DType dtype() { return DType.F32; }
        @Override public Operand slice(int from, int len) { checkWindow(length, from, len, "slice"); return new F32Array(array, offset + from, len); }
        @Override public double get(int i) { return array[offset + i]; }
        @Override public void set(int i, double v) { array[offset + i] = (float) v; }
        @Override public void copyTo(int start, int n, ByteBuffer dst) { floats(dst, n).put(array, offset + start, n); }
        @Override public void copyFrom(int start, int n, ByteBuffer src) { floats(src, n).get(array, offset + start, n); }
        @Override public void copyTo(int start, int n, float[] dst, int dstOff) { System.arraycopy(array, offset + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, float[] src, int srcOff) { System.arraycopy(src, srcOff, array, offset + start, n); }
        @Override public void copyTo(int start, int n, double[] dst, int dstOff) { throw wrongType(this, "float64"); }
        @Override public void copyFrom(int start, int n, double[] src, int srcOff) { throw wrongType(this, "float64"); }
        @Override public Object storage() { return array; }
        @Override public int storageIndex() { return offset; }
    }

    /** A window of a {@code double[]}. */
    record F64Array(double[] array, int offset, int length) implements Operand {
        public F64Array {
            checkWindow(array.length, offset, length, "double[]");
        }

        @Override public DType dtype() { return DType.F64; }
        @Override public Operand slice(int from, int len) { checkWindow(length, from, len, "slice"); return new F64Array(array, offset + from, len); }
        @Override public double get(int i) { return array[offset + i]; }
        @Override public void set(int i, double v) { array[offset + i] = v; }
        @Override public void copyTo(int start, int n, ByteBuffer dst) { doubles(dst, n).put(array, offset + start, n); }
        @Override public void copyFrom(int start, int n, ByteBuffer src) { doubles(src, n).get(array, offset + start, n); }
        @Override public void copyTo(int start, int n, float[] dst, int dstOff) { throw wrongType(this, "float32"); }
        @Override public void copyFrom(int start, int n, float[] src, int srcOff) { throw wrongType(this, "float32"); }
        @Override public void copyTo(int start, int n, double[] dst, int dstOff) { System.arraycopy(array, offset + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, double[] src, int srcOff) { System.arraycopy(src, srcOff, array, offset + start, n); }
        @Override public Object storage() { return array; }
        @Override public int storageIndex() { return offset; }
    }

    /** A window of a {@link FloatBuffer} (absolute indices; the buffer's position and limit are not used or changed). */
    record F32Buffer(FloatBuffer buffer, int index, int length) implements Operand {
        public F32Buffer {
            checkWindow(buffer.capacity(), index, length, "FloatBuffer");
        }

        @Override public DType dtype() { return DType.F32; }
        @Override public Operand slice(int from, int len) { checkWindow(length, from, len, "slice"); return new F32Buffer(buffer, index + from, len); }
        @Override public boolean writable() { return !buffer.isReadOnly(); }
        @Override public double get(int i) { return buffer.get(index + i); }
        @Override public void set(int i, double v) { buffer.put(index + i, (float) v); }
        @Override public void copyTo(int start, int n, ByteBuffer dst) { floats(dst, n).put(0, buffer, index + start, n); }
        @Override public void copyFrom(int start, int n, ByteBuffer src) { buffer.put(index + start, floats(src, n), 0, n); }
        @Override public void copyTo(int start, int n, float[] dst, int dstOff) { buffer.get(index + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, float[] src, int srcOff) { buffer.put(index + start, src, srcOff, n); }
        @Override public void copyTo(int start, int n, double[] dst, int dstOff) { throw wrongType(this, "float64"); }
        @Override public void copyFrom(int start, int n, double[] src, int srcOff) { throw wrongType(this, "float64"); }
        @Override public Object storage() { return buffer; }
        @Override public int storageIndex() { return index; }
    }

    /** A window of a {@link DoubleBuffer} (absolute indices). */
    record F64Buffer(DoubleBuffer buffer, int index, int length) implements Operand {
        public F64Buffer {
            checkWindow(buffer.capacity(), index, length, "DoubleBuffer");
        }

        @Override public DType dtype() { return DType.F64; }
        @Override public Operand slice(int from, int len) { checkWindow(length, from, len, "slice"); return new F64Buffer(buffer, index + from, len); }
        @Override public boolean writable() { return !buffer.isReadOnly(); }
        @Override public double get(int i) { return buffer.get(index + i); }
        @Override public void set(int i, double v) { buffer.put(index + i, v); }
        @Override public void copyTo(int start, int n, ByteBuffer dst) { doubles(dst, n).put(0, buffer, index + start, n); }
        @Override public void copyFrom(int start, int n, ByteBuffer src) { buffer.put(index + start, doubles(src, n), 0, n); }
        @Override public void copyTo(int start, int n, float[] dst, int dstOff) { throw wrongType(this, "float32"); }
        @Override public void copyFrom(int start, int n, float[] src, int srcOff) { throw wrongType(this, "float32"); }
        @Override public void copyTo(int start, int n, double[] dst, int dstOff) { buffer.get(index + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, double[] src, int srcOff) { buffer.put(index + start, src, srcOff, n); }
        @Override public Object storage() { return buffer; }
        @Override public int storageIndex() { return index; }
    }

    /** A window of a {@code short[]} holding float16 or bfloat16 bit patterns ({@code dtype} says which). */
    record HalfArray(DType dtype, short[] array, int offset, int length) implements Operand {
        public HalfArray {
            checkWindow(array.length, offset, length, "short[]");
            half(dtype);
        }

        @Override public Operand slice(int from, int len) { checkWindow(length, from, len, "slice"); return new HalfArray(dtype, array, offset + from, len); }
        @Override public double get(int i) { return HalfFormat.of(dtype).toDouble(array[offset + i]); }
        @Override public void set(int i, double v) { array[offset + i] = HalfFormat.of(dtype).round(v); }
        @Override public void copyTo(int start, int n, ByteBuffer dst) { shorts(dst, n).put(array, offset + start, n); }
        @Override public void copyFrom(int start, int n, ByteBuffer src) { shorts(src, n).get(array, offset + start, n); }
        @Override public void copyTo(int start, int n, short[] dst, int dstOff) { System.arraycopy(array, offset + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, short[] src, int srcOff) { System.arraycopy(src, srcOff, array, offset + start, n); }
        @Override public void copyTo(int start, int n, float[] dst, int dstOff) { throw wrongType(this, "float32"); }
        @Override public void copyFrom(int start, int n, float[] src, int srcOff) { throw wrongType(this, "float32"); }
        @Override public void copyTo(int start, int n, double[] dst, int dstOff) { throw wrongType(this, "float64"); }
        @Override public void copyFrom(int start, int n, double[] src, int srcOff) { throw wrongType(this, "float64"); }
        @Override public Object storage() { return array; }
        @Override public int storageIndex() { return offset; }
    }

    /** A window of a {@link ShortBuffer} of float16 or bfloat16 bit patterns (absolute indices). */
    record HalfBuffer(DType dtype, ShortBuffer buffer, int index, int length) implements Operand {
        public HalfBuffer {
            checkWindow(buffer.capacity(), index, length, "ShortBuffer");
            half(dtype);
        }

        @Override public Operand slice(int from, int len) { checkWindow(length, from, len, "slice"); return new HalfBuffer(dtype, buffer, index + from, len); }
        @Override public boolean writable() { return !buffer.isReadOnly(); }
        @Override public double get(int i) { return HalfFormat.of(dtype).toDouble(buffer.get(index + i)); }
        @Override public void set(int i, double v) { buffer.put(index + i, HalfFormat.of(dtype).round(v)); }
        @Override public void copyTo(int start, int n, ByteBuffer dst) { shorts(dst, n).put(0, buffer, index + start, n); }
        @Override public void copyFrom(int start, int n, ByteBuffer src) { buffer.put(index + start, shorts(src, n), 0, n); }
        @Override public void copyTo(int start, int n, short[] dst, int dstOff) { buffer.get(index + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, short[] src, int srcOff) { buffer.put(index + start, src, srcOff, n); }
        @Override public void copyTo(int start, int n, float[] dst, int dstOff) { throw wrongType(this, "float32"); }
        @Override public void copyFrom(int start, int n, float[] src, int srcOff) { throw wrongType(this, "float32"); }
        @Override public void copyTo(int start, int n, double[] dst, int dstOff) { throw wrongType(this, "float64"); }
        @Override public void copyFrom(int start, int n, double[] src, int srcOff) { throw wrongType(this, "float64"); }
        @Override public Object storage() { return buffer; }
        @Override public int storageIndex() { return index; }
    }

    private static void half(DType t) {
        if (t == null || !t.isHalf()) {
            throw new IllegalArgumentException("a short[] or ShortBuffer operand holds float16 or bfloat16, not " + t);
        }
    }

    /** A window of a {@link DeviceArray}. Backends that own the array operate on it in place. */
    record Device(DeviceArray array, int index, int length) implements Operand {
        public Device {
            checkWindow(array.length(), index, length, "DeviceArray");
        }

        @Override public DType dtype() { return array.dtype(); }
        @Override public Operand slice(int from, int len) { checkWindow(length, from, len, "slice"); return new Device(array, index + from, len); }

        @Override
        public double get(int i) {
            if (dtype().isHalf()) {
                short[] one = new short[1];
                array.read(index + i, one, 0, 1);
                return HalfFormat.of(dtype()).toDouble(one[0]);
            }
            if (dtype() == DType.F32) {
                float[] one = new float[1];
                array.read(index + i, one, 0, 1);
                return one[0];
            }
            double[] one = new double[1];
            array.read(index + i, one, 0, 1);
            return one[0];
        }

        @Override
        public void set(int i, double v) {
            if (dtype().isHalf()) {
                array.write(index + i, new short[] {HalfFormat.of(dtype()).round(v)}, 0, 1);
            } else if (dtype() == DType.F32) {
                array.write(index + i, new float[] {(float) v}, 0, 1);
            } else {
                array.write(index + i, new double[] {v}, 0, 1);
            }
        }

        @Override
        public void copyTo(int start, int n, ByteBuffer dst) {
            if (dtype().isHalf()) {
                short[] tmp = new short[n];
                array.read(index + start, tmp, 0, n);
                shorts(dst, n).put(tmp);
            } else if (dtype() == DType.F32) {
                float[] tmp = new float[n];
                array.read(index + start, tmp, 0, n);
                floats(dst, n).put(tmp);
            } else {
                double[] tmp = new double[n];
                array.read(index + start, tmp, 0, n);
                doubles(dst, n).put(tmp);
            }
        }

        @Override
        public void copyFrom(int start, int n, ByteBuffer src) {
            if (dtype().isHalf()) {
                short[] tmp = new short[n];
                shorts(src, n).get(tmp);
                array.write(index + start, tmp, 0, n);
            } else if (dtype() == DType.F32) {
                float[] tmp = new float[n];
                floats(src, n).get(tmp);
                array.write(index + start, tmp, 0, n);
            } else {
                double[] tmp = new double[n];
                doubles(src, n).get(tmp);
                array.write(index + start, tmp, 0, n);
            }
        }

        @Override public void copyTo(int start, int n, float[] dst, int dstOff) { array.read(index + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, float[] src, int srcOff) { array.write(index + start, src, srcOff, n); }
        @Override public void copyTo(int start, int n, double[] dst, int dstOff) { array.read(index + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, double[] src, int srcOff) { array.write(index + start, src, srcOff, n); }
        @Override public void copyTo(int start, int n, short[] dst, int dstOff) { array.read(index + start, dst, dstOff, n); }
        @Override public void copyFrom(int start, int n, short[] src, int srcOff) { array.write(index + start, src, srcOff, n); }
        @Override public Object storage() { return array; }
        @Override public int storageIndex() { return index; }
    }

    /** A native-order float view of the next {@code n} elements of {@code b}; advances b's position past them. */
    private static FloatBuffer floats(ByteBuffer b, int n) {
        FloatBuffer v = b.slice(b.position(), n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.position(b.position() + n * Float.BYTES);
        return v;
    }

    private static DoubleBuffer doubles(ByteBuffer b, int n) {
        DoubleBuffer v = b.slice(b.position(), n * Double.BYTES).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        b.position(b.position() + n * Double.BYTES);
        return v;
    }

    private static ShortBuffer shorts(ByteBuffer b, int n) {
        ShortBuffer v = b.slice(b.position(), n * Short.BYTES).order(ByteOrder.nativeOrder()).asShortBuffer();
        b.position(b.position() + n * Short.BYTES);
        return v;
    }
}
