package org.sigbatch.spi.stream;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.IntervalUnion;
import org.sigbatch.spi.Timings;

/**
 * The host side every staging engine shares: FILL copies the chunk's inputs from the caller's memory
 * into the slot's host staging buffers, DRAIN copies the outputs back (in {@link
 * Pipeline#drainOrder(Batch)}), both with the pipeline's {@link StagingCopier} threads; operands the
 * device uses in place ({@link DirectHost}, where the engine has a {@link #registrar()}) skip both.
 * The device intervals of the awaited chunks make the call's {@link Timings}: the busy time of copies
 * and of kernels, each the union of its intervals, so overlapping streams are not counted twice. A
 * device engine says where its host buffers are and implements the queued steps (H2D, KERNEL, D2H,
 * AWAIT) and {@link #abandon()}.
 */
public abstract class AbstractStagingEngine implements StagingEngine {
    private final IntervalUnion transfers = new IntervalUnion();
    private final IntervalUnion kernels = new IntervalUnion();
    private StagingCopier copier = StagingCopier.SERIAL;
    private DirectHost direct = DirectHost.NONE;
    private long[] slotStart = new long[0];

    /** The slot's host buffer (native byte order) for input {@code i} of the op. */
    protected abstract ByteBuffer inputBuffer(int slot, Op op, int i);

    /** The slot's host buffer for output {@code j} of the op. */
    protected abstract ByteBuffer outputBuffer(int slot, Op op, int j);

    /** How this engine registers host memory for DMA, or null where it cannot (everything is staged). */
    protected DirectHost.Registrar registrar() {
        return null;
    }

    @Override
    public void begin(Pipeline pipeline, ChunkPlan plan, Op op, Batch batch) {
        copier = pipeline.copier();
        slotStart = new long[plan.slots()];
        direct = DirectHost.open(batch, plan, registrar(), pipeline.directMinBytes(), pipeline.directMaxPieceBytes());
    }

    @Override
    public void end() {
        DirectHost d = direct;
        direct = DirectHost.NONE;
        d.close();
    }

    /** The operands of the running call used in place (inputs, then outputs). */
    protected final DirectHost direct() {
        return direct;
    }

    /** Element index of the chunk last filled into the slot. */
    protected final long chunkStart(int slot) {
        return slotStart[slot];
    }

    @Override
    public void fill(int slot, Op op, Batch batch, long start, int len) {
        if (slot < slotStart.length) {
            slotStart[slot] = start;
        }
        int eb = batch.dtype().bytes();
        for (int i = 0; i < op.inputs(); i++) {
            if (direct.direct(i)) {
                continue;
            }
            ByteBuffer b = inputBuffer(slot, op, i);
            Operand in = batch.in(i);
            copier.copy(len, eb, (from, count) -> in.copyTo((int) start + from, count, window(b, from * eb, count * eb)));
        }
    }

    @Override
    public void drain(int slot, Op op, Batch batch, long start, int len) {
        int eb = batch.dtype().bytes();
        for (int j : Pipeline.drainOrder(batch)) {
            if (direct.direct(op.inputs() + j)) {
                continue;
            }
            ByteBuffer b = outputBuffer(slot, op, j);
            Operand out = batch.out(j);
            copier.copy(len, eb, (from, count) -> out.copyFrom((int) start + from, count, window(b, from * eb, count * eb)));
        }
    }

    /** Bytes {@code [from, from+len)} of the buffer, as a buffer of its own (each copy thread needs its own position). */
    private static ByteBuffer window(ByteBuffer b, int from, int len) {
        return b.slice(from, len).order(ByteOrder.nativeOrder());
    }

    /** Books a copy (either direction) of an awaited chunk that ran on the device over {@code [start, end)} ns, any time base shared by the call. */
    protected final void bookTransfer(long start, long end) {
        transfers.add(start, end);
    }

    /** Books a kernel of an awaited chunk that ran over {@code [start, end)} ns. */
    protected final void bookKernel(long start, long end) {
        kernels.add(start, end);
    }

    /** Forgets the times booked so far (after a failure). */
    protected final void resetTimings() {
        transfers.clear();
        kernels.clear();
    }

    /** The busy time of copies and of kernels, each the union of its intervals. */
    @Override
    public Timings takeTimings() {
        Timings t = new Timings(transfers.length(), kernels.length());
        resetTimings();
        return t;
    }
}
