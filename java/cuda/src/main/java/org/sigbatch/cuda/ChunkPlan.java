package org.sigbatch.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * How a host-resident batch streams through the GPU: pure Java, no CUDA, so it is tested anywhere.
 *
 * <p>The batch is cut into chunks of {@link #chunkElements()} elements. Chunk {@code c} uses slot
 * {@code c % slots}: one CUDA stream with its own pinned staging buffers and device buffers. For each
 * chunk the host copies the inputs from the caller's memory into the slot's pinned buffers (FILL),
 * then queues on the slot's stream a host-to-device copy (H2D), the kernel (KERNEL) and a
 * device-to-host copy (D2H). Before a slot is reused the host waits for its previous chunk (AWAIT)
 * and copies that chunk's results to the caller's memory (DRAIN). So up to {@code slots} chunks are
 * in flight: the copy engines and the SMs work on different chunks while the host fills and drains.
 *
 * <p>DRAIN steps come in chunk order, so outputs reach the caller in index order and each element
 * only once final: after a failure the elements {@code [0, completed)} are correct and the rest of
 * the caller's memory is untouched, which is what an in-place call needs to be recomputed.
 */
public record ChunkPlan(long length, int chunkElements, int slots) {
    /** Default staging buffer: 16 MiB, 4M float32 or 2M float64 elements per chunk. */
    public static final long DEFAULT_BUFFER_BYTES = 16L << 20;
    /** Default pinned host memory for all pipelines together. */
    public static final long DEFAULT_PINNED_BUDGET = 256L << 20;
    /** JCuda exposes pinned memory as a ByteBuffer, whose capacity is an int: stay well below 2 GiB. */
    public static final long MAX_BUFFER_BYTES = 1L << 30;
    /** Share of the device's free memory the staging buffers may take. */
    public static final double DEVICE_SHARE = 0.5;
    /** Buffers per slot: every op reads at most two arrays and writes at most two, in place on the device. */
    public static final int BUFFERS_PER_SLOT = 2;
    public static final int DEFAULT_SLOTS = 3;

    public ChunkPlan {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0: " + length);
        }
        if (chunkElements < 1) {
            throw new IllegalArgumentException("cuda.chunkElements must be >= 1: " + chunkElements);
        }
        if (slots < 1) {
            throw new IllegalArgumentException("cuda.streams must be >= 1: " + slots);
        }
    }

    public enum Kind { FILL, H2D, KERNEL, D2H, AWAIT, DRAIN }

    /** One step of the schedule: what to do for which chunk, on which slot (stream). */
    public record Step(Kind kind, int chunk, int slot, long start, int length) {
        @Override
        public String toString() {
            return kind + "(" + chunk + ")";
        }
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

    // ------------------------------------------------------------------ sizing

    /**
     * Bytes per staging buffer (each slot has {@link #BUFFERS_PER_SLOT} pinned and as many device
     * buffers of this size), from the options and the memory at hand.
     *
     * @param requestedChunkElements {@code cuda.chunkElements}, or 0 for the default
     * @param maxElementBytes        the largest element size the buffers must hold (8: float64)
     * @param freeDeviceBytes        free device memory when the backend opened
     * @param pinnedBudget           pinned bytes all pipelines may take together
     * @param pipelines              how many pipelines (concurrent calls) may exist at once
     */
    public static long bufferBytes(long requestedChunkElements, int maxElementBytes, int slots, long freeDeviceBytes,
            long pinnedBudget, int pipelines) {
        if (slots < 1 || pipelines < 1 || maxElementBytes < 1) {
            throw new IllegalArgumentException("slots, pipelines and element size must be >= 1");
        }
        long buffers = (long) slots * BUFFERS_PER_SLOT * pipelines;
        long cap = Math.min(MAX_BUFFER_BYTES, Math.min((long) (freeDeviceBytes * DEVICE_SHARE) / buffers, pinnedBudget / buffers));
        long want = requestedChunkElements > 0 ? requestedChunkElements * maxElementBytes : DEFAULT_BUFFER_BYTES;
        long bytes = Math.min(want, cap);
        if (requestedChunkElements == 0) {
            bytes -= bytes % 256;
        }
        if (bytes < maxElementBytes) {
            throw new IllegalStateException("not enough memory for CUDA staging buffers: device free " + freeDeviceBytes
                    + " B, pinned budget " + pinnedBudget + " B, for " + buffers + " buffers");
        }
        return bytes;
    }

    /** The plan for {@code length} elements of {@code elementBytes} each through buffers of {@code bufferBytes}. */
    public static ChunkPlan of(long length, int elementBytes, long bufferBytes, int slots) {
        long per = bufferBytes / elementBytes;
        if (per < 1) {
            throw new IllegalArgumentException("staging buffer of " + bufferBytes + " B holds no " + elementBytes + "-byte element");
        }
        return new ChunkPlan(length, (int) Math.min(Integer.MAX_VALUE, per), slots);
    }

    // ------------------------------------------------------------------ options

    static int intOption(Map<String, String> options, String key, int dflt, int min, int max) {
        String v = options.get(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        long x = longValue(key, v);
        if (x < min || x > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + v);
        }
        return (int) x;
    }

    static long longOption(Map<String, String> options, String key, long dflt, long min) {
        String v = options.get(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        long x = longValue(key, v);
        if (x < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", got " + v);
        }
        return x;
    }

    private static long longValue(String key, String v) {
        try {
            return Long.parseLong(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }
}
