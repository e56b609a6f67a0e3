package org.sigbatch.bench;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * The copy ceilings of device 0, through the CUDA driver directly (no sigbatch code on the path), on
 * the device's primary context, each call complete on return like a sigbatch call: a device-to-device
 * copy (the memory-bandwidth ceiling of a kernel that reads and writes each element once), and copies
 * between pinned host memory and the device, one way and both ways at once (the PCIe ceilings of an
 * end-to-end call). Pinned buffers are at most 1 GiB (JCuda maps pinned memory to a ByteBuffer); longer
 * copies go in pieces.
 */
final class CudaCeilings implements AutoCloseable {
    static final long PIECE = 1L << 30;

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream up = new CUstream();
    private final CUstream down = new CUstream();
    private final CUdeviceptr a = new CUdeviceptr();
    private final CUdeviceptr b = new CUdeviceptr();
    private final Pointer hostIn = new Pointer();
    private final Pointer hostOut = new Pointer();
    private final long bytes;
    private final long pinned;

    CudaCeilings(long bytes) {
        this.bytes = bytes;
        this.pinned = Math.min(bytes, PIECE);
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        cuDeviceGet(device, 0);
        cuDevicePrimaryCtxRetain(context, device);
        cuCtxSetCurrent(context);
        cuStreamCreate(up, CUstream_flags.CU_STREAM_NON_BLOCKING);
        cuStreamCreate(down, CUstream_flags.CU_STREAM_NON_BLOCKING);
        cuMemAlloc(a, bytes);
        cuMemAlloc(b, bytes);
        cuMemsetD32(a, Float.floatToRawIntBits(0.75f), bytes / 4);  // never time on zeros
        cuMemsetD32(b, Float.floatToRawIntBits(-1.25f), bytes / 4);
        cuMemAllocHost(hostIn, pinned);
        cuMemAllocHost(hostOut, pinned);
        FloatBuffer in = hostIn.getByteBuffer(0, pinned).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < in.capacity(); i++) {
            in.put(i, BenchData.value(i));
        }
    }

    /** b = a over the whole array: 2 × bytes through device memory. */
    void deviceCopy() {
        cuCtxSetCurrent(context);
        cuMemcpyDtoDAsync(b, a, bytes, up);
        cuStreamSynchronize(up);
    }

    /** bytes from pinned host memory to the device. */
    void hostToDevice() {
        cuCtxSetCurrent(context);
        for (long off = 0; off < bytes; off += pinned) {
            cuMemcpyHtoDAsync(a.withByteOffset(off), hostIn, Math.min(pinned, bytes - off), up);
        }
        cuStreamSynchronize(up);
    }

    /** bytes from the device to pinned host memory. */
    void deviceToHost() {
        cuCtxSetCurrent(context);
        for (long off = 0; off < bytes; off += pinned) {
            cuMemcpyDtoHAsync(hostOut, b.withByteOffset(off), Math.min(pinned, bytes - off), down);
        }
        cuStreamSynchronize(down);
    }

    /** bytes each way at once, on two streams (the copy engines of the two directions overlap). */
    void bothWays() {
        cuCtxSetCurrent(context);
        for (long off = 0; off < bytes; off += pinned) {
            long len = Math.min(pinned, bytes - off);
            cuMemcpyHtoDAsync(a.withByteOffset(off), hostIn, len, up);
            cuMemcpyDtoHAsync(hostOut, b.withByteOffset(off), len, down);
        }
        cuStreamSynchronize(up);
        cuStreamSynchronize(down);
    }

    @Override
    public void close() {
        cuCtxSetCurrent(context);
        cuStreamSynchronize(up);
        cuStreamSynchronize(down);
        cuMemFreeHost(hostIn);
        cuMemFreeHost(hostOut);
        cuMemFree(a);
        cuMemFree(b);
        cuStreamDestroy(up);
        cuStreamDestroy(down);
        cuDevicePrimaryCtxRelease(device);
    }
}
