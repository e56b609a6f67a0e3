package org.sigbatch.cpu;

import java.util.Objects;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;

/** The CPU backend's "device" memory: a heap array, so code written against device arrays runs anywhere. */
final class HeapArray implements DeviceArray {
    private final DType dtype;
    private final int length;
    private float[] f;
    private double[] d;

    HeapArray(DType dtype, int length) {
        this.dtype = Objects.requireNonNull(dtype);
        this.length = length;
        if (dtype == DType.F32) {
            f = new float[length];
        } else {
            d = new double[length];
        }
    }

    @Override public DType dtype() { return dtype; }
    @Override public int length() { return length; }
    @Override public String backend() { return "cpu"; }
    @Override public boolean isClosed() { return f == null && d == null; }

    private float[] floats() {
        if (dtype != DType.F32) {
            throw new IllegalArgumentException("this device array holds " + dtype + ", not float32");
        }
        if (f == null) {
            throw new IllegalStateException("device array is closed");
        }
        return f;
    }

    private double[] doubles() {
        if (dtype != DType.F64) {
            throw new IllegalArgumentException("this device array holds " + dtype + ", not float64");
        }
        if (d == null) {
            throw new IllegalStateException("device array is closed");
        }
        return d;
    }

    @Override public void write(int index, float[] src, int srcOff, int len) { System.arraycopy(src, srcOff, floats(), index, len); }
    @Override public void write(int index, double[] src, int srcOff, int len) { System.arraycopy(src, srcOff, doubles(), index, len); }
    @Override public void read(int index, float[] dst, int dstOff, int len) { System.arraycopy(floats(), index, dst, dstOff, len); }
    @Override public void read(int index, double[] dst, int dstOff, int len) { System.arraycopy(doubles(), index, dst, dstOff, len); }

    @Override
    public void close() {
        f = null;
        d = null;
    }

    @Override
    public String toString() {
        return "HeapArray[" + dtype + " x" + length + "]";
    }
}
