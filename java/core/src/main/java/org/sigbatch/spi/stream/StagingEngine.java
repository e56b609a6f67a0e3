package org.sigbatch.spi.stream;

import org.sigbatch.Op;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/**
 * The device side of a {@link ChunkPlan}, slot by slot: what a streaming backend writes (pinned
 * buffers and streams for CUDA, mapped buffers and command queues for OpenCL, plain Java in the
 * simulated backend of the tests). The {@link Pipeline} calls the steps in the plan's order; any
 * RuntimeException from a step is a device failure.
 */
public interface StagingEngine {
    /**
     * Before the first step of a call: the pipeline's host-copy threads and which operands the
     * device may use in the caller's memory ({@link AbstractStagingEngine} registers them).
     */
    default void begin(Pipeline pipeline, ChunkPlan plan, Op op, Batch batch) {
    }

    /** After the call, whether it succeeded or not (after {@link #abandon()}): releases what {@link #begin} took. */
    default void end() {
    }

    /** Copies inputs {@code [start, start+len)} of the batch into the slot's staging buffers (host side). */
    void fill(int slot, Op op, Batch batch, long start, int len);

    /** Queues the copy of the slot's inputs to the device. */
    void h2d(int slot, Op op, Batch batch, int len);

    /** Queues the kernel over the slot's device buffers. */
    void kernel(int slot, Op op, Batch batch, int len);

    /** Queues the copy of the slot's outputs back to its staging buffers. */
    void d2h(int slot, Op op, Batch batch, int len);

    /** Waits until the slot's queued work is done (device errors surface here) and books its timings. */
    void await(int slot);

    /**
     * Copies the slot's outputs to elements {@code [start, start+len)} of the batch outputs (host
     * side), in {@link Pipeline#drainOrder(Batch)}.
     */
    void drain(int slot, Op op, Batch batch, long start, int len);

    /** Timings of the work awaited since the last call, and resets them. */
    Timings takeTimings();

    /** After a failure: waits for whatever is still queued, ignoring errors. */
    void abandon();
}
