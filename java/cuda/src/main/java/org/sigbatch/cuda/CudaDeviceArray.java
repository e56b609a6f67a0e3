package org.sigbatch.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;

/**
 * An array in GPU memory (cuMemAlloc), owned by the {@link CudaBackend} that allocated it. Reads and
 * writes are complete when they return (the owner's {@link CudaBackend#toDevice}/{@link CudaBackend#toHost}
 * wait for the copy's stream), and calls on device arrays wait for their kernel: so a kernel on any
 * stream sees what a write put there, and a read sees what the last call wrote.
 */
final class CudaDeviceArray implements DeviceArray {
    private final CudaBackend owner;
    private final DType dtype;
    private final int length;
    private final long id;
    private final String origin;
    private volatile CUdeviceptr ptr; // null for length 0 (cuMemAlloc rejects 0 bytes) and once closed
    private volatile boolean closed;

    CudaDeviceArray(CudaBackend owner, DType dtype, int length, CUdeviceptr ptr, long id, String origin) {
        this.owner = owner;
        this.dtype = dtype;
        this.length = length;
        this.ptr = ptr;
        this.id = id;
        this.origin = origin;
    }

    @Override public DType dtype() { return dtype; }
    @Override public int length() { return length; }
    @Override public String backend() { return "cuda"; }
    @Override public boolean isClosed() { return closed; }

    CudaBackend owner() {
        return owner;
    }

    /** Device pointer to element {@code index}. */
    CUdeviceptr at(int index) {
        CUdeviceptr p = ptr;
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        return p == null ? new CUdeviceptr() : p.withByteOffset((long) index * dtype.bytes());
    }

    long bytes() {
        return (long) length * dtype.bytes();
    }

    private void check(DType want, int index, int off, int len, int arrayLength, String what) {
        if (dtype != want) {
            throw new IllegalArgumentException("this device array holds " + dtype + ", not " + want);
        }
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        if (len < 0 || index < 0 || index > length - len || off < 0 || off > arrayLength - len) {
            throw new IllegalArgumentException(what + ": " + len + " elements at device index " + index + " / array offset " + off
                    + " out of range (device array " + length + ", host array " + arrayLength + ")");
        }
    }

    @Override
    public void write(int index, float[] src, int srcOff, int len) {
        check(DType.F32, index, srcOff, len, src.length, "write");
        if (len > 0) {
            owner.toDevice(at(index), Pointer.to(src).withByteOffset((long) srcOff * Float.BYTES), (long) len * Float.BYTES);
        }
    }

    @Override
    public void write(int index, double[] src, int srcOff, int len) {
        check(DType.F64, index, srcOff, len, src.length, "write");
        if (len > 0) {
            owner.toDevice(at(index), Pointer.to(src).withByteOffset((long) srcOff * Double.BYTES), (long) len * Double.BYTES);
        }
    }

    @Override
    public void read(int index, float[] dst, int dstOff, int len) {
        check(DType.F32, index, dstOff, len, dst.length, "read");
        if (len > 0) {
            owner.toHost(Pointer.to(dst).withByteOffset((long) dstOff * Float.BYTES), at(index), (long) len * Float.BYTES);
        }
    }

    @Override
    public void read(int index, double[] dst, int dstOff, int len) {
        check(DType.F64, index, dstOff, len, dst.length, "read");
        if (len > 0) {
            owner.toHost(Pointer.to(dst).withByteOffset((long) dstOff * Double.BYTES), at(index), (long) len * Double.BYTES);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CUdeviceptr p = ptr;
        ptr = null;
        owner.release(this, p);
    }

    /** Frees without going through the owner's bookkeeping (the owner is closing). */
    CUdeviceptr detach() {
        closed = true;
        CUdeviceptr p = ptr;
        ptr = null;
        return p;
    }

    @Override
    public String toString() {
        return "CudaDeviceArray#" + id + "[" + dtype + " x" + length + ", allocated at " + origin + "]";
    }
}
