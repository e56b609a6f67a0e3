package org.sigbatch.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.sigbatch.DType;
import org.sigbatch.spi.AbstractDeviceArray;

/**
 * An array in GPU memory (cuMemAlloc), owned by the {@link CudaBackend} that allocated it. Reads and
 * writes are complete when they return (the owner's {@link CudaBackend#toDevice}/{@link CudaBackend#toHost}
 * wait for the copy's stream), and calls on device arrays wait for their kernel: so a kernel on any
 * stream sees what a write put there, and a read sees what the last call wrote.
 */
final class CudaDeviceArray extends AbstractDeviceArray {
    private final CudaBackend owner;
    private final CUdeviceptr ptr; // null for length 0 (cuMemAlloc rejects 0 bytes)

    CudaDeviceArray(CudaBackend owner, DType dtype, int length, CUdeviceptr ptr) {
        super(owner.memory(), dtype, length);
        this.owner = owner;
        this.ptr = ptr;
    }

    /** Device pointer to element {@code index}. */
    CUdeviceptr at(int index) {
        ensureOpen();
        return ptr == null ? new CUdeviceptr() : ptr.withByteOffset((long) index * dtype().bytes());
    }

    long bytes() {
        return (long) length() * dtype().bytes();
    }

    @Override
    protected void copyIn(int index, Object src, int srcOff, int len) {
        long eb = dtype().bytes();
        owner.toDevice(at(index), host(src).withByteOffset(srcOff * eb), len * eb);
    }

    @Override
    protected void copyOut(int index, Object dst, int dstOff, int len) {
        long eb = dtype().bytes();
        owner.toHost(host(dst).withByteOffset(dstOff * eb), at(index), len * eb);
    }

    private static Pointer host(Object array) {
        return array instanceof float[] f ? Pointer.to(f) : array instanceof short[] h ? Pointer.to(h) : Pointer.to((double[]) array);
    }

    @Override
    protected void release() {
        owner.free(ptr);
    }
}
