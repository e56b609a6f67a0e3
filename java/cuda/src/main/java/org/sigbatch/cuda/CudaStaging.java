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
import static jcuda.driver.JCudaDriver.cuMemHostRegister;
import static jcuda.driver.JCudaDriver.cuMemHostUnregister;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUresult;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import org.sigbatch.Op;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Closer;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.spi.stream.AbstractStagingEngine;
import org.sigbatch.spi.stream.ChunkPlan;
import org.sigbatch.spi.stream.DirectHost;
import org.sigbatch.spi.stream.Pipeline;

/**
 * One pipeline: {@code slots} non-blocking streams, each with two pinned staging buffers, two device
 * buffers and four timing events. Used by one call at a time (the backend pools them). Ops run in
 * place on the device buffers: x (and gradOut) go to buffers 0 (and 1); y/gradIn come back from
 * buffer 0, d from buffer 1. Direct buffers the pipeline registered for the call ({@link DirectHost},
 * cuMemHostRegister) are copied from and to in place, without the staging copy. Timings: every event
 * is read against an origin event recorded when the call begins, so the copies and kernels of all
 * streams are intervals on one time base (their union is the busy time).
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
    private final DeviceMemory memory;
    private final CUevent origin = new CUevent();
    private boolean originCreated;
    private boolean buffers;
    private boolean closed;

    CudaStaging(Kernels kernels, int slots, long bufferBytes, DeviceMemory memory) {
        this.kernels = kernels;
        this.memory = memory;
        this.slots = slots;
        this.bufferBytes = bufferBytes;
        this.streams = new CUstream[slots];
        this.events = new CUevent[slots][4];
        this.dev = new CUdeviceptr[slots][StagingBudget.BUFFERS_PER_SLOT];
        this.pinned = new Pointer[slots][StagingBudget.BUFFERS_PER_SLOT];
        this.pinnedBuf = new ByteBuffer[slots][StagingBudget.BUFFERS_PER_SLOT];
        this.queued = new boolean[slots];
        try {
            cuEventCreate(origin, CUevent_flags.CU_EVENT_DEFAULT);
            originCreated = true;
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

    /** Page-locks the caller's direct buffers for the call; JCuda's Pointer.to ignores the position, so offsets count from index 0. */
    private final DirectHost.Registrar registrar = new DirectHost.Registrar() {
        @Override
        public Object register(Buffer buffer, long byteOffset, long bytes) {
            Pointer p = Pointer.to(buffer).withByteOffset(byteOffset);
            check(cuMemHostRegister(p, bytes, 0), "cuMemHostRegister");
            return p;
        }

        @Override
        public void unregister(Object handle) {
            check(cuMemHostUnregister((Pointer) handle), "cuMemHostUnregister");
        }

        @Override
        public DeviceMemory memory() {
            return memory;
        }
    };

    private static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(what + ": " + CUresult.stringFor(result));
        }
    }

    @Override
    protected DirectHost.Registrar registrar() {
        return registrar;
    }

    @Override
    public void begin(Pipeline pipeline, ChunkPlan plan, Op op, Batch batch) {
        super.begin(pipeline, plan, op, batch);
        cuEventRecord(origin, streams[0]);
    }

    /** Where operand k's chunk starting at element {@code start} is: the registered caller memory, or the slot's pinned buffer. */
    private Pointer host(int slot, int k, int buffer) {
        if (!direct().direct(k)) {
            return pinned[slot][buffer];
        }
        long start = chunkStart(slot);
        DirectHost.Piece p = direct().piece(k, start);
        return ((Pointer) p.handle()).withByteOffset(direct().offsetInPiece(k, start));
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
            cuMemcpyHtoDAsync(dev[slot][i], host(slot, i, i), bytes, streams[slot]);
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
            cuMemcpyDtoHAsync(host(slot, op.inputs() + j, j), dev[slot][j], bytes, streams[slot]);
        }
        cuEventRecord(events[slot][3], streams[slot]);
    }

    @Override
    public void await(int slot) {
        cuEventSynchronize(events[slot][3]);
        queued[slot] = false;
        long[] t = new long[4];
        float[] ms = {0};
        for (int e = 0; e < 4; e++) {
            cuEventElapsedTime(ms, origin, events[slot][e]);
            t[e] = (long) (ms[0] * 1e6);
        }
        bookTransfer(t[0], t[1]);
        bookKernel(t[1], t[2]);
        bookTransfer(t[2], t[3]);
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
        if (originCreated) {
            c.run(() -> cuEventDestroy(origin));
        }
        c.rethrow();
    }
}
