package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The CUDA staging buffers' size from the options and the memory at hand (pure Java). */
class StagingBudgetTest {
    @Test
    void bufferSizeFollowsOptionsAndLimits() {
        long free = 8L << 30;
        // default: 16 MiB per buffer
        assertEquals(StagingBudget.DEFAULT_BUFFER_BYTES, StagingBudget.bufferBytes(0, 8, 3, free, StagingBudget.DEFAULT_PINNED_BUDGET, 2));
        // explicit chunk: elements x largest element size
        assertEquals(1000 * 8, StagingBudget.bufferBytes(1000, 8, 3, free, StagingBudget.DEFAULT_PINNED_BUDGET, 2));
        // the pinned budget is shared by pipelines x slots x 2 buffers
        assertEquals((64L << 20) / 12 / 256 * 256, StagingBudget.bufferBytes(0, 8, 3, free, 64L << 20, 2));
        // little free device memory: half of it, over all buffers
        assertEquals((100L << 20) / 2 / 12 / 256 * 256, StagingBudget.bufferBytes(0, 8, 3, 100L << 20, 1L << 40, 2));
        // never 2 GiB or more per pinned buffer (JCuda's ByteBuffer limit)
        assertTrue(StagingBudget.bufferBytes(1L << 40, 8, 1, 1L << 45, 1L << 45, 1) <= StagingBudget.MAX_BUFFER_BYTES);
        assertThrows(IllegalStateException.class, () -> StagingBudget.bufferBytes(0, 8, 3, 10, 10, 2));
    }

}
