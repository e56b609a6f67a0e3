package org.sigbatch.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import org.sigbatch.Op;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Closer;
import org.sigbatch.spi.stream.AbstractStagingEngine;

/**
 * One pipeline: {@code slots} non-blocking streams, each with two pinned staging buffers, two device
 * buffers and four timing events. Used by one call at a time (the backend pools them). Ops run in
 * place on the device buffers: x (and gradOut) go to buffers 0 (and 1); y/gradIn come back from
 * buffer 0, d from buffer 1.
 */
final class CudaStaging extends AbstractStagingEngine implements AutoCloseable {
    private final Kernels kernels;
    private final int slots;
    private final long bufferBytes;
    private final CUstream[] streams;
    private final CUevent[][] events; // per slot: before H2D, after H2D, after kernel, after D2H
    private final CUdeviceptr[][] dev;
    private final Pointer[][] pinned;
    private final ByteBuffer[][] pinnedBuf;
    private final boolean[] queued;
    private boolean buffers;
    private boolean closed;

    CudaStaging(Kernels kernels, int slots, long bufferBytes) {
        this.kernels = kernels;
        this.slots = slots;
        this.bufferBytes = bufferBytes;
        this.streams = new CUstream[slots];
        this.events = new CUevent[slots][4];
        this.dev = new CUdeviceptr[slots][StagingBudget.BUFFERS_PER_SLOT];
        this.pinned = new Pointer[slots][StagingBudget.BUFFERS_PER_SLOT];
        this.pinnedBuf = new ByteBuffer[slots][StagingBudget.BUFFERS_PER_SLOT];
        this.queued = new boolean[slots];
        try {
            for (int s = 0; s < slots; s++) {
                streams[s] = new CUstream();
                cuStreamCreate(streams[s], CUstream_flags.CU_STREAM_NON_BLOCKING);
                for (int e = 0; e < 4; e++) {
                    events[s][e] = new CUevent();
                    cuEventCreate(events[s][e], CUevent_flags.CU_EVENT_DEFAULT);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    int slots() {
        return slots;
    }

    long bufferBytes() {
        return bufferBytes;
    }

    /** A stream for device-resident calls. */
    CUstream stream(int slot) {
        return streams[slot];
    }

    CUevent event(int slot, int i) {
        return events[slot][i];
    }

    /** Allocates the pinned and device buffers on first use (device-resident calls never need them). */
    void ensureBuffers() {
        if (buffers) {
            return;
        }
        for (int s = 0; s < slots; s++) {
            for (int b = 0; b < StagingBudget.BUFFERS_PER_SLOT; b++) {
                CUdeviceptr d = new CUdeviceptr();
                cuMemAlloc(d, bufferBytes);
                dev[s][b] = d;
                Pointer p = new Pointer();
                cuMemAllocHost(p, bufferBytes);
                pinned[s][b] = p;
                pinnedBuf[s][b] = p.getByteBuffer(0, bufferBytes).order(ByteOrder.nativeOrder());
            }
        }
        buffers = true;
    }

    long pinnedBytes() {
        return buffers ? slots * StagingBudget.BUFFERS_PER_SLOT * bufferBytes : 0;
    }

    @Override
    protected ByteBuffer inputBuffer(int slot, Op op, int i) {
        return pinnedBuf[slot][i];
    }

    /** Ops run in place on the device buffers: output j comes back through buffer j. */
    @Override
    protected ByteBuffer outputBuffer(int slot, Op op, int j) {
        return pinnedBuf[slot][j];
    }

    @Override
    public void h2d(int slot, Op op, Batch batch, int len) {
        long bytes = (long) len * batch.dtype().bytes();
        queued[slot] = true;
        cuEventRecord(events[slot][0], streams[slot]);
        for (int i = 0; i < op.inputs(); i++) {
            cuMemcpyHtoDAsync(dev[slot][i], pinned[slot][i], bytes, streams[slot]);
        }
        cuEventRecord(events[slot][1], streams[slot]);
    }

    @Override
    public void kernel(int slot, Op op, Batch batch, int len) {
        CUdeviceptr d0 = dev[slot][0];
        CUdeviceptr d1 = dev[slot][1];
        switch (op) {
            case SIGMOID, DERIVATIVE -> kernels.launch(op, batch.dtype(), streams[slot], len, d0, d0);
            case FUSED -> kernels.launch(op, batch.dtype(), streams[slot], len, d0, d0, d1);
            case BACKWARD, BACKWARD_FROM_OUTPUT -> kernels.launch(op, batch.dtype(), streams[slot], len, d0, d1, d0);
        }
        cuEventRecord(events[slot][2], streams[slot]);
    }

    @Override
    public void d2h(int slot, Op op, Batch batch, int len) {
        long bytes = (long) len * batch.dtype().bytes();
        for (int j = 0; j < op.outputs(); j++) {
            cuMemcpyDtoHAsync(pinned[slot][j], dev[slot][j], bytes, streams[slot]);
        }
        cuEventRecord(events[slot][3], streams[slot]);
    }

    @Override
    public void await(int slot) {
        cuEventSynchronize(events[slot][3]);
        queued[slot] = false;
        float[] ms = {0};
        cuEventElapsedTime(ms, events[slot][0], events[slot][1]);
        double transfer = ms[0];
        cuEventElapsedTime(ms, events[slot][2], events[slot][3]);
        transfer += ms[0];
        cuEventElapsedTime(ms, events[slot][1], events[slot][2]);
        bookTransfer((long) (transfer * 1e6));
        bookKernel((long) (ms[0] * 1e6));
    }

    @Override
    public void abandon() {
        for (int s = 0; s < slots; s++) {
            if (queued[s] && streams[s] != null) {
                try {
                    cuStreamSynchronize(streams[s]);
                } catch (RuntimeException ignored) {
                    // the error was reported by the step that failed
                }
                queued[s] = false;
            }
        }
        resetTimings();
    }

    /** Frees everything; errors are collected and the first is rethrown after all frees were tried. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Closer c = new Closer();
        for (int s = 0; s < slots; s++) {
            CUstream st = streams[s];
            if (st != null) {
                c.run(() -> cuStreamSynchronize(st));
            }
            for (int b = 0; b < StagingBudget.BUFFERS_PER_SLOT; b++) {
                CUdeviceptr d = dev[s][b];
                Pointer p = pinned[s][b];
                if (d != null) {
                    c.run(() -> cuMemFree(d));
                }
                if (p != null) {
                    c.run(() -> cuMemFreeHost(p));
                }
                dev[s][b] = null;
                pinned[s][b] = null;
                pinnedBuf[s][b] = null;
            }
            for (int e = 0; e < 4; e++) {
                CUevent ev = events[s][e];
                if (ev != null) {
                    c.run(() -> cuEventDestroy(ev));
                }
            }
            if (st != null) {
                c.run(() -> cuStreamDestroy(st));
                streams[s] = null;
            }
        }
        c.rethrow();
    }
}
