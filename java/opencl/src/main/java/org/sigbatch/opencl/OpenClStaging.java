package org.sigbatch.opencl;

import static org.jocl.CL.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_event;
import org.jocl.cl_mem;
import org.sigbatch.Op;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.stream.Pipeline;
import org.sigbatch.spi.stream.AbstractStagingEngine;

/**
 * OpenCL's engine for the shared {@link Pipeline}: one in-order command queue per slot, and per slot
 * and operand a device buffer and a mapped pinned host buffer (CL_MEM_ALLOC_HOST_PTR: faster DMA, no
 * hidden staging copy). Inputs and outputs have buffers of their own, so kernels never run in place.
 * Buffers are created on first use and reused by every call; calls are serialised by the backend.
 */
final class OpenClStaging extends AbstractStagingEngine {
    private static final System.Logger LOG = System.getLogger("org.sigbatch.opencl");
    /** Two queues: the device works on one chunk while the host fills and drains the other. */
    static final int SLOTS = 2;
    /** Inputs plus outputs of the widest op (backward: 2 + 1, fused: 1 + 2). */
    private static final int OPERANDS = 4;

    private final cl_context context;
    private final cl_command_queue[] queues;
    private final OpenClProgram program;
    private final long bufferBytes;
    private final cl_mem[][] dev;
    private final cl_mem[][] pin;
    private final ByteBuffer[][] host;
    /** Per slot, the events of the chunk in flight, or null. */
    private final InFlight[] inFlight;

    OpenClStaging(cl_context context, cl_command_queue[] queues, OpenClProgram program, long bufferBytes) {
        this.context = context;
        this.queues = queues;
        this.program = program;
        this.bufferBytes = bufferBytes;
        int slots = queues.length;
        this.dev = new cl_mem[slots][OPERANDS];
        this.pin = new cl_mem[slots][OPERANDS];
        this.host = new ByteBuffer[slots][OPERANDS];
        this.inFlight = new InFlight[slots];
    }

    int slots() {
        return queues.length;
    }

    /** Creates the buffers of the first {@code count} operands of every slot, once. */
    void ensureBuffers(int count) {
        for (int s = 0; s < queues.length; s++) {
            for (int i = 0; i < count; i++) {
                if (dev[s][i] == null) {
                    dev[s][i] = OpenClBackend.createBuffer(context, CL_MEM_READ_WRITE, bufferBytes);
                    pin[s][i] = OpenClBackend.createBuffer(context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, bufferBytes);
                    host[s][i] = clEnqueueMapBuffer(queues[s], pin[s][i], true, CL_MAP_READ | CL_MAP_WRITE, 0, bufferBytes, 0, null, null, null)
                            .order(ByteOrder.nativeOrder());
                }
            }
        }
    }

    /** The events of one chunk: its input writes, its kernel, its output reads. */
    private static final class InFlight {
        final cl_event[] writes;
        final cl_event kernel = new cl_event();
        final cl_event[] reads;

        InFlight(Op op) {
            writes = new cl_event[op.inputs()];
            reads = new cl_event[op.outputs()];
        }

        void release() {
            releaseAll(writes);
            releaseAll(new cl_event[] {kernel});
            releaseAll(reads);
        }
    }

    @Override
    protected ByteBuffer inputBuffer(int slot, Op op, int i) {
        return host[slot][i];
    }

    @Override
    protected ByteBuffer outputBuffer(int slot, Op op, int j) {
        return host[slot][op.inputs() + j];
    }

    @Override
    public void h2d(int slot, Op op, Batch batch, int len) {
        InFlight f = new InFlight(op);
        inFlight[slot] = f;
        long bytes = (long) len * batch.dtype().bytes();
        for (int i = 0; i < op.inputs(); i++) {
            ByteBuffer hb = host[slot][i].rewind(); // JOCL's pointer starts at the buffer's position
            f.writes[i] = new cl_event();
            clEnqueueWriteBuffer(queues[slot], dev[slot][i], false, 0, bytes, Pointer.to(hb), 0, null, f.writes[i]);
        }
    }

    @Override
    public void kernel(int slot, Op op, Batch batch, int len) {
        int nOps = op.inputs() + op.outputs();
        cl_mem[] mems = new cl_mem[nOps];
        System.arraycopy(dev[slot], 0, mems, 0, nOps);
        program.launch(queues[slot], op, batch.dtype(), mems, new int[nOps], len, inFlight[slot].kernel);
    }

    @Override
    public void d2h(int slot, Op op, Batch batch, int len) {
        long bytes = (long) len * batch.dtype().bytes();
        for (int o = 0; o < op.outputs(); o++) {
            int b = op.inputs() + o;
            inFlight[slot].reads[o] = new cl_event();
            clEnqueueReadBuffer(queues[slot], dev[slot][b], false, 0, bytes, Pointer.to(host[slot][b].rewind()), 0, null, inFlight[slot].reads[o]);
        }
        clFlush(queues[slot]);
    }

    @Override
    public void await(int slot) {
        InFlight f = inFlight[slot];
        try {
            clWaitForEvents(f.reads.length, f.reads);
            for (cl_event e : f.writes) {
                long[] t = interval(e);
                bookTransfer(t[0], t[1]);
            }
            for (cl_event e : f.reads) {
                long[] t = interval(e);
                bookTransfer(t[0], t[1]);
            }
            long[] k = interval(f.kernel);
            bookKernel(k[0], k[1]);
        } finally {
            release(slot);
        }
    }

    /** Waits for every queue after an error (errors here are expected and ignored) and drops the events. */
    @Override
    public void abandon() {
        for (int s = 0; s < queues.length; s++) {
            try {
                clFinish(queues[s]);
            } catch (CLException ignored) {
                // the queue may be broken by the error being reported
            }
            release(s);
        }
        resetTimings();
    }

    /** Unmaps and releases every buffer; the queues belong to the backend. */
    void close() {
        for (int s = 0; s < queues.length; s++) {
            for (int i = 0; i < OPERANDS; i++) {
                if (host[s][i] != null) {
                    try {
                        clEnqueueUnmapMemObject(queues[s], pin[s][i], host[s][i], 0, null, null);
                        clFinish(queues[s]);
                    } catch (CLException e) {
                        LOG.log(System.Logger.Level.DEBUG, "unmap failed: " + OpenClBackend.describe(e));
                    }
                    host[s][i] = null;
                }
                for (cl_mem m : new cl_mem[] {pin[s][i], dev[s][i]}) {
                    if (m != null) {
                        OpenClBackend.releaseQuietly(() -> clReleaseMemObject(m));
                    }
                }
                pin[s][i] = null;
                dev[s][i] = null;
            }
        }
    }

    private void release(int slot) {
        if (inFlight[slot] != null) {
            inFlight[slot].release();
            inFlight[slot] = null;
        }
    }

    private static void releaseAll(cl_event[] events) {
        for (cl_event e : events) {
            if (e != null) {
                try {
                    clReleaseEvent(e);
                } catch (CLException ignored) {
                    // an event of a failed enqueue may not exist
                }
            }
        }
    }

    static long duration(cl_event e) {
        long[] t = interval(e);
        return Math.max(0, t[1] - t[0]);
    }

    /** The command's {start, end} on the device's profiling clock (shared by the queues of a device), or {0, 0}. */
    static long[] interval(cl_event e) {
        long[] t0 = new long[1];
        long[] t1 = new long[1];
        try {
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(t0), null);
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(t1), null);
            return new long[] {t0[0], t1[0]};
        } catch (CLException ex) {
            return new long[2];
        }
    }
}
