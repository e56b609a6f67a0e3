package org.sigbatch.cuda;

/**
 * How one kernel is launched: {@code block} threads per block, and at most one full wave of resident
 * blocks ({@code blocksPerSm} × {@code multiprocessors}, the occupancy the driver computes for this
 * kernel's registers: cuOccupancyMaxActiveBlocksPerMultiprocessor). The kernels use grid-stride
 * loops, so one wave covers any length without a partly filled tail wave; a short array gets just
 * the blocks it needs, each thread taking {@code elementsPerThread} elements (the kernels' vector
 * width: 4 float32 or 2 float64 per 16-byte access). Pure arithmetic, unit-tested without a GPU.
 */
record LaunchShape(int block, int blocksPerSm, int multiprocessors, int elementsPerThread) {
    LaunchShape {
        if (block < 1 || multiprocessors < 1 || elementsPerThread < 1) {
            throw new IllegalArgumentException("block " + block + ", multiprocessors " + multiprocessors + ", elements per thread "
                    + elementsPerThread + ": each must be >= 1");
        }
        if (blocksPerSm < 1) {
            throw new IllegalArgumentException("no block of " + block + " threads fits on a multiprocessor (occupancy " + blocksPerSm
                    + "): the kernel needs more registers or shared memory than the device has");
        }
    }

    /** Blocks of one full wave: every multiprocessor holds as many blocks as fit at once. */
    int maxBlocks() {
        return Math.multiplyExact(blocksPerSm, multiprocessors);
    }

    /** Grid size for {@code n} elements: enough blocks for one pass, at most one wave, at least one. */
    int grid(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0: " + n);
        }
        long perBlock = (long) block * elementsPerThread;
        long needed = n / perBlock + (n % perBlock == 0 ? 0 : 1);
        return (int) Math.max(1, Math.min(maxBlocks(), needed));
    }
}
