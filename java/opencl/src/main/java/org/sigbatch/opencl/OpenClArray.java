package org.sigbatch.opencl;

import org.jocl.Pointer;
import org.jocl.cl_mem;
import org.sigbatch.DType;
import org.sigbatch.spi.AbstractDeviceArray;

/** A device array in OpenCL global memory (one cl_mem); chained calls on it move no bytes. */
final class OpenClArray extends AbstractDeviceArray {
    private final OpenClBackend owner;
    private final cl_mem mem;

    OpenClArray(OpenClBackend owner, DType dtype, int length, cl_mem mem) {
        super(owner.memory(), dtype, length);
        this.owner = owner;
        this.mem = mem;
    }

    cl_mem mem() {
        ensureOpen();
        return mem;
    }

    @Override
    protected void copyIn(int index, Object src, int srcOff, int len) {
        long eb = dtype().bytes();
        owner.write(mem, index * eb, len * eb, host(src).withByteOffset(srcOff * eb));
    }

    @Override
    protected void copyOut(int index, Object dst, int dstOff, int len) {
        long eb = dtype().bytes();
        owner.read(mem, index * eb, len * eb, host(dst).withByteOffset(dstOff * eb));
    }

    private static Pointer host(Object array) {
        return array instanceof float[] f ? Pointer.to(f) : array instanceof short[] h ? Pointer.to(h) : Pointer.to((double[]) array);
    }

    @Override
    protected void release() {
        owner.free(mem);
    }
}
