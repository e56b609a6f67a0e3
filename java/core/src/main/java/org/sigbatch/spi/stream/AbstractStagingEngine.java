package org.sigbatch.spi.stream;

import java.nio.ByteBuffer;
import org.sigbatch.Op;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/**
 * The host side every staging engine shares: FILL copies the chunk's inputs from the caller's memory
 * into the slot's host staging buffers, DRAIN copies the outputs back (in {@link
 * Pipeline#drainOrder(Batch)}), and the device times of the awaited chunks add up to the call's
 * {@link Timings}. A device engine says where its host buffers are and implements the queued steps
 * (H2D, KERNEL, D2H, AWAIT) and {@link #abandon()}.
 */
public abstract class AbstractStagingEngine implements StagingEngine {
    private long transferNanos;
    private long kernelNanos;

    /** The slot's host buffer (native byte order) for input {@code i} of the op. */
    protected abstract ByteBuffer inputBuffer(int slot, Op op, int i);

    /** The slot's host buffer for output {@code j} of the op. */
    protected abstract ByteBuffer outputBuffer(int slot, Op op, int j);

    @Override
    public void fill(int slot, Op op, Batch batch, long start, int len) {
        for (int i = 0; i < op.inputs(); i++) {
            ByteBuffer b = inputBuffer(slot, op, i);
            b.clear();
            batch.in(i).copyTo((int) start, len, b);
        }
    }

    @Override
    public void drain(int slot, Op op, Batch batch, long start, int len) {
        for (int j : Pipeline.drainOrder(batch)) {
            ByteBuffer b = outputBuffer(slot, op, j);
            b.clear();
            batch.out(j).copyFrom((int) start, len, b);
        }
    }

    /** Adds device time spent on copies (both directions) of an awaited chunk. */
    protected final void bookTransfer(long nanos) {
        transferNanos += nanos;
    }

    /** Adds device time spent in kernels of an awaited chunk. */
    protected final void bookKernel(long nanos) {
        kernelNanos += nanos;
    }

    /** Forgets the times booked so far (after a failure). */
    protected final void resetTimings() {
        transferNanos = 0;
        kernelNanos = 0;
    }

    @Override
    public Timings takeTimings() {
        Timings t = new Timings(transferNanos, kernelNanos);
        resetTimings();
        return t;
    }
}
