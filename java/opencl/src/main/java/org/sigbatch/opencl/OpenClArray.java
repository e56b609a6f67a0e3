package org.sigbatch.opencl;

import org.jocl.Pointer;
import org.jocl.cl_mem;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;

/** A device array in OpenCL global memory (one cl_mem); chained calls on it move no bytes. */
final class OpenClArray implements DeviceArray {
    private final OpenClBackend owner;
    private final DType dtype;
    private final int length;
    private volatile cl_mem mem;

    OpenClArray(OpenClBackend owner, DType dtype, int length, cl_mem mem) {
        this.owner = owner;
        this.dtype = dtype;
        this.length = length;
        this.mem = mem;
    }

    OpenClBackend owner() {
        return owner;
    }

    cl_mem mem() {
        cl_mem m = mem;
        if (m == null) {
            throw new IllegalStateException("device array is closed");
        }
        return m;
    }

    @Override public DType dtype() { return dtype; }
    @Override public int length() { return length; }
    @Override public String backend() { return OpenClBackend.ID; }
    @Override public boolean isClosed() { return mem == null; }

    private void check(DType want, int index, int len, int arrayLength, int arrayOff) {
        mem(); // closed first
        if (dtype != want) {
            throw new IllegalArgumentException("this device array holds " + dtype + ", not " + want);
        }
        if (index < 0 || len < 0 || index > length - len) {
            throw new IllegalArgumentException("window [" + index + ", " + ((long) index + len) + ") is outside the device array of " + length);
        }
        if (arrayOff < 0 || arrayOff > arrayLength - len) {
            throw new IllegalArgumentException("host window [" + arrayOff + ", " + ((long) arrayOff + len) + ") is outside the array of " + arrayLength);
        }
    }

    @Override
    public void write(int index, float[] src, int srcOff, int len) {
        check(DType.F32, index, len, src.length, srcOff);
        if (len > 0) {
            owner.write(this, (long) index * 4, (long) len * 4, Pointer.to(src).withByteOffset((long) srcOff * 4));
        }
    }

    @Override
    public void write(int index, double[] src, int srcOff, int len) {
        check(DType.F64, index, len, src.length, srcOff);
        if (len > 0) {
            owner.write(this, (long) index * 8, (long) len * 8, Pointer.to(src).withByteOffset((long) srcOff * 8));
        }
    }

    @Override
    public void read(int index, float[] dst, int dstOff, int len) {
        check(DType.F32, index, len, dst.length, dstOff);
        if (len > 0) {
            owner.read(this, (long) index * 4, (long) len * 4, Pointer.to(dst).withByteOffset((long) dstOff * 4));
        }
    }

    @Override
    public void read(int index, double[] dst, int dstOff, int len) {
        check(DType.F64, index, len, dst.length, dstOff);
        if (len > 0) {
            owner.read(this, (long) index * 8, (long) len * 8, Pointer.to(dst).withByteOffset((long) dstOff * 8));
        }
    }

    @Override
    public void close() {
        cl_mem m = mem;
        if (m != null) {
            mem = null;
            owner.free(this, m);
        }
    }

    @Override
    public String toString() {
        return "OpenClArray[" + dtype + " x" + length + (mem == null ? ", closed" : "") + "]";
    }
}
