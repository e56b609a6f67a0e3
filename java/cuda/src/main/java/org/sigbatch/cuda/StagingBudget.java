package org.sigbatch.cuda;

/**
 * How big the CUDA pipelines' staging buffers are. Each pipeline has {@code slots} streams with
 * {@link #BUFFERS_PER_SLOT} pinned and as many device buffers each: the ops run in place on the
 * device buffers (every op reads at most two arrays and writes at most two).
 */
final class StagingBudget {
    /** Default staging buffer: 16 MiB, 4M float32 or 2M float64 elements per chunk. */
    static final long DEFAULT_BUFFER_BYTES = 16L << 20;
    /** Default pinned host memory for all pipelines together. */
    static final long DEFAULT_PINNED_BUDGET = 256L << 20;
    /** JCuda exposes pinned memory as a ByteBuffer, whose capacity is an int: stay well below 2 GiB. */
    static final long MAX_BUFFER_BYTES = 1L << 30;
    /** Share of the device's free memory the staging buffers may take. */
    static final double DEVICE_SHARE = 0.5;
    static final int BUFFERS_PER_SLOT = 2;
    static final int DEFAULT_SLOTS = 3;

    private StagingBudget() {
    }

    /**
     * Bytes per staging buffer, from the options and the memory at hand.
     *
     * @param requestedChunkElements {@code cuda.chunkElements}, or 0 for the default
     * @param maxElementBytes        the largest element size the buffers must hold (8: float64)
     * @param freeDeviceBytes        free device memory when the backend opened
     * @param pinnedBudget           pinned bytes all pipelines may take together
     * @param pipelines              how many pipelines (concurrent calls) may exist at once
     */
    static long bufferBytes(long requestedChunkElements, int maxElementBytes, int slots, long freeDeviceBytes,
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
}
