package org.sigbatch.spi.stream;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How a host-resident batch streams through a device: pure Java, no native code, so it is tested
 * anywhere. Every streaming backend (CUDA, OpenCL, the simulated one in the tests) runs this plan.
 *
 * <p>The batch is cut into chunks of {@link #chunkElements()} elements. Chunk {@code c} uses slot
 * {@code c % slots}: one queue (CUDA stream, OpenCL command queue) with its own staging buffers. For
 * each chunk the host copies the inputs from the caller's memory into the slot's staging buffers
 * (FILL), then queues a host-to-device copy (H2D), the kernel (KERNEL) and a device-to-host copy
 * (D2H). Before a slot is reused the host waits for its previous chunk (AWAIT) and copies that
 * chunk's results to the caller's memory (DRAIN). So up to {@code slots} chunks are in flight: the
 * copy engines and the compute units work on different chunks while the host fills and drains.
 *
 * <p>DRAIN steps come in chunk order, so outputs reach the caller in index order and each element
 * only once final: after a failure the elements {@code [0, completed)} are correct and the rest of
 * the caller's memory is untouched, which is what an in-place call needs to be recomputed.
 */
public record ChunkPlan(long length, int chunkElements, int slots) {
    public ChunkPlan {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0: " + length);
        }
        if (chunkElements < 1) {
            throw new IllegalArgumentException("elements per chunk must be >= 1: " + chunkElements);
        }
        if (slots < 1) {
            throw new IllegalArgumentException("slots (streams, queues) must be >= 1: " + slots);
        }
    }

    public enum Kind { FILL, H2D, KERNEL, D2H, AWAIT, DRAIN }

    /** One step of the schedule: what to do for which chunk, on which slot. */
    public record Step(Kind kind, int chunk, int slot, long start, int length) {
        @Override
        public String toString() {
            return kind + "(" + chunk + ")";
        }
    }

    /** The plan for {@code length} elements of {@code elementBytes} each through buffers of {@code bufferBytes}. */
    public static ChunkPlan of(long length, int elementBytes, long bufferBytes, int slots) {
        long per = bufferBytes / elementBytes;
        if (per < 1) {
            throw new IllegalArgumentException("staging buffer of " + bufferBytes + " B holds no " + elementBytes + "-byte element");
        }
        return new ChunkPlan(length, (int) Math.min(Integer.MAX_VALUE, per), slots);
    }

    public int chunks() {
        return (int) ((length + chunkElements - 1) / chunkElements);
    }

    public long chunkStart(int c) {
        return (long) c * chunkElements;
    }

    public int chunkLength(int c) {
        return (int) Math.min(chunkElements, length - chunkStart(c));
    }

    public int slotOf(int c) {
        return c % slots;
    }

    /** Elements whose outputs are final once the first {@code drained} chunks are drained. */
    public long completedAfter(int drained) {
        return Math.min(length, (long) drained * chunkElements);
    }

    /** The ordered steps; {@link Pipeline} runs them as listed. */
    public List<Step> schedule() {
        int n = chunks();
        List<Step> steps = new ArrayList<>(n * 6);
        for (int c = 0; c < n; c++) {
            if (c >= slots) {
                add(steps, Kind.AWAIT, c - slots);
                add(steps, Kind.DRAIN, c - slots);
            }
            add(steps, Kind.FILL, c);
            add(steps, Kind.H2D, c);
            add(steps, Kind.KERNEL, c);
            add(steps, Kind.D2H, c);
        }
        for (int c = Math.max(0, n - slots); c < n; c++) {
            add(steps, Kind.AWAIT, c);
            add(steps, Kind.DRAIN, c);
        }
        return Collections.unmodifiableList(steps);
    }

    private void add(List<Step> steps, Kind k, int c) {
        steps.add(new Step(k, c, slotOf(c), chunkStart(c), chunkLength(c)));
    }
}
