package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The grid for n elements: one pass where that is less than a wave, one full wave of resident blocks otherwise. */
class LaunchShapeTest {
    /** An H200-like device: 132 SMs; fused_f32 with 4 resident 256-thread blocks per SM (ptxas, sm_90). */
    static final LaunchShape FUSED_F32 = new LaunchShape(256, 4, 132, 4);

    @Test
    void shortArraysGetTheBlocksTheyNeed() {
        assertEquals(1, FUSED_F32.grid(0));
        assertEquals(1, FUSED_F32.grid(1));
        assertEquals(1, FUSED_F32.grid(1024), "256 threads x 4 elements");
        assertEquals(2, FUSED_F32.grid(1025));
        assertEquals(100, FUSED_F32.grid(100 * 1024));
        LaunchShape f64 = new LaunchShape(256, 6, 132, 2);
        assertEquals(2, f64.grid(513));
    }

    @Test
    void longArraysGetOneFullWave() {
        assertEquals(528, FUSED_F32.maxBlocks());
        assertEquals(528, FUSED_F32.grid(528 * 1024));
        assertEquals(528, FUSED_F32.grid(528 * 1024 + 1), "grid-stride loops take the rest: no partial second wave");
        assertEquals(528, FUSED_F32.grid(1L << 30));
        assertEquals(528, FUSED_F32.grid(Long.MAX_VALUE));
        // the old fixed 8 blocks/SM gave 1056 blocks for fused_f32: two waves of 528
        assertEquals(1056, new LaunchShape(256, 8, 132, 4).grid(1L << 30));
    }

    @Test
    void occupancyDecidesTheWave() {
        for (int bps = 1; bps <= 8; bps++) {
            LaunchShape s = new LaunchShape(256, bps, 80, 4);
            assertEquals(bps * 80, s.grid(1L << 28));
            assertTrue(s.grid(1L << 28) >= s.grid(1L << 20));
        }
    }

    @Test
    void impossibleShapesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new LaunchShape(256, 0, 132, 4));
        assertTrue(e.getMessage().contains("no block of 256 threads fits"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LaunchShape(0, 4, 132, 4));
        assertThrows(IllegalArgumentException.class, () -> new LaunchShape(256, 4, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> FUSED_F32.grid(-1));
    }
}
