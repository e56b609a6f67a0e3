package org.sigbatch.cpu;

import org.sigbatch.DType;
import org.sigbatch.spi.AbstractDeviceArray;
import org.sigbatch.spi.DeviceMemory;

/** The CPU backend's "device" memory: a heap array, so code written against device arrays runs anywhere. */
final class HeapArray extends AbstractDeviceArray {
    private volatile Object storage; // float[], double[] or short[]; null once closed

    HeapArray(DeviceMemory memory, DType dtype, int length) {
        super(memory, dtype, length);
        this.storage = dtype == DType.F32 ? new float[length] : dtype.isHalf() ? new short[length] : new double[length];
    }

    @Override
    protected void copyIn(int index, Object src, int srcOff, int len) {
        System.arraycopy(src, srcOff, storage, index, len);
    }

    @Override
    protected void copyOut(int index, Object dst, int dstOff, int len) {
        System.arraycopy(storage, index, dst, dstOff, len);
    }

    @Override
    protected void release() {
        storage = null;
    }
}
