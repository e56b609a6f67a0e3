package org.sigbatch.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Operand;
import org.sigbatch.Sigmoid;
import org.sigbatch.reference.HalfFormat;

/** The kinds of storage an operand can live in, for the contract suite: each holds a window at an offset, fenced by sentinels. */
public enum Storage {
    ARRAY, HEAP_BUFFER, DIRECT_BUFFER, DEVICE;

    /** Written around every window; a backend that touches it wrote outside its window. */
    static final double SENTINEL = 42.5;
    /** Elements after the window. */
    private static final int TAIL = 3;

    /** One operand's storage: {@code offset} sentinels, the window of {@code n} values, then {@link #TAIL} sentinels. */
    final class Slot implements AutoCloseable {
        final DType dtype;
        final int offset;
        final int n;
        private final Object heap; // float[] / double[] / short[] behind ARRAY and the buffers
        private final ShortBuffer sb;
        private final FloatBuffer fb;
        private final DoubleBuffer db;
        private final DeviceArray device;

        private Slot(Sigmoid s, DType dtype, int offset, double[] values) {
            this.dtype = dtype;
            this.offset = offset;
            this.n = values.length;
            int cap = offset + n + TAIL;
            double[] all = new double[cap];
            java.util.Arrays.fill(all, SENTINEL);
            System.arraycopy(values, 0, all, offset, n);
            heap = dtype == DType.F32 ? toFloats(all) : dtype.isHalf() ? toHalves(dtype, all) : all;
            ShortBuffer h = null;
            FloatBuffer f = null;
            DoubleBuffer d = null;
            DeviceArray dev = null;
            switch (Storage.this) {
                case ARRAY -> { }
                case HEAP_BUFFER -> {
                    if (dtype.isHalf()) {
                        h = ShortBuffer.wrap((short[]) heap);
                    } else if (dtype == DType.F32) {
                        f = FloatBuffer.wrap((float[]) heap);
                    } else {
                        d = DoubleBuffer.wrap((double[]) heap);
                    }
                }
                case DIRECT_BUFFER -> {
                    ByteBuffer bb = ByteBuffer.allocateDirect(cap * dtype.bytes()).order(ByteOrder.nativeOrder());
                    if (dtype.isHalf()) {
                        h = bb.asShortBuffer().put((short[]) heap);
                    } else if (dtype == DType.F32) {
                        f = bb.asFloatBuffer().put((float[]) heap);
                    } else {
                        d = bb.asDoubleBuffer().put((double[]) heap);
                    }
                }
                case DEVICE -> {
                    dev = s.allocate(dtype, cap);
                    if (dtype.isHalf()) {
                        dev.write(0, (short[]) heap, 0, cap);
                    } else if (dtype == DType.F32) {
                        dev.write(0, (float[]) heap, 0, cap);
                    } else {
                        dev.write(0, (double[]) heap, 0, cap);
                    }
                }
            }
            sb = h;
            fb = f;
            db = d;
            device = dev;
        }

        /** The window as an operand. */
        Operand operand() {
            if (device != null) {
                return Operand.of(device, offset, n);
            }
            if (sb != null) {
                ShortBuffer w = sb.clear().position(offset).limit(offset + n);
                return dtype == DType.F16 ? Operand.f16(w) : Operand.bf16(w);
            }
            if (dtype.isHalf()) {
                return dtype == DType.F16 ? Operand.f16((short[]) heap, offset, n) : Operand.bf16((short[]) heap, offset, n);
            }
            if (fb != null) {
                return Operand.of(fb.clear().position(offset).limit(offset + n));
            }
            if (db != null) {
                return Operand.of(db.clear().position(offset).limit(offset + n));
            }
            return dtype == DType.F32 ? Operand.of((float[]) heap, offset, n) : Operand.of((double[]) heap, offset, n);
        }

        /** The whole storage, sentinels included, as doubles (float32 values widened exactly). */
        double[] readAll() {
            int cap = offset + n + TAIL;
            double[] out = new double[cap];
            if (dtype.isHalf()) {
                short[] t = new short[cap];
                if (device != null) {
                    device.read(0, t, 0, cap);
                } else if (sb != null) {
                    sb.duplicate().clear().get(0, t);
                } else {
                    t = ((short[]) heap).clone();
                }
                return widen(dtype, t);
            }
            if (device != null) {
                if (dtype == DType.F32) {
                    float[] t = new float[cap];
                    device.read(0, t, 0, cap);
                    return widen(t);
                }
                device.read(0, out, 0, cap);
                return out;
            }
            if (fb != null) {
                float[] t = new float[cap];
                fb.duplicate().clear().get(0, t);
                return widen(t);
            }
            if (db != null) {
                db.duplicate().clear().get(0, out);
                return out;
            }
            return dtype == DType.F32 ? widen((float[]) heap) : ((double[]) heap).clone();
        }

        @Override
        public void close() {
            if (device != null) {
                device.close();
            }
        }
    }

    Slot slot(Sigmoid s, DType dtype, int offset, double[] values) {
        return new Slot(s, dtype, offset, values);
    }

    private static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** Values rounded once to the 16-bit format. */
    static short[] toHalves(DType t, double[] a) {
        HalfFormat f = HalfFormat.of(t);
        short[] h = new short[a.length];
        for (int i = 0; i < a.length; i++) {
            h[i] = f.round(a[i]);
        }
        return h;
    }

    static double[] widen(DType t, short[] a) {
        HalfFormat f = HalfFormat.of(t);
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = f.toDouble(a[i]);
        }
        return d;
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
