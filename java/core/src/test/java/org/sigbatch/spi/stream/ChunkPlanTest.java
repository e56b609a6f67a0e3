package org.sigbatch.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sigbatch.spi.stream.ChunkPlan.Kind;
import org.sigbatch.spi.stream.ChunkPlan.Step;

/** The chunk planner on its own: sizes, slots, schedule order, completed-prefix accounting. */
class ChunkPlanTest {

    @ParameterizedTest
    @CsvSource({"0,4,2", "1,4,2", "3,4,2", "4,4,2", "5,4,2", "1023,100,3", "1048583,65536,2", "10,1,1", "10,1,4", "7,100,3"})
    void chunksCoverTheBatchExactlyOnce(long length, int chunk, int slots) {
        ChunkPlan p = new ChunkPlan(length, chunk, slots);
        long covered = 0;
        for (int c = 0; c < p.chunks(); c++) {
            assertEquals(covered, p.chunkStart(c), "chunk " + c + " starts where the previous ended");
            assertTrue(p.chunkLength(c) >= 1 && p.chunkLength(c) <= chunk);
            assertEquals(c % slots, p.slotOf(c));
            covered += p.chunkLength(c);
        }
        assertEquals(length, covered);
        assertEquals((length + chunk - 1) / chunk, p.chunks());
    }

    @ParameterizedTest
    @CsvSource({"0,4,2", "1,4,2", "17,4,2", "17,4,3", "100,7,1", "100,7,5", "5,1,8"})
    void scheduleOrdersEveryChunkAndNeverReusesABusySlot(long length, int chunk, int slots) {
        ChunkPlan p = new ChunkPlan(length, chunk, slots);
        List<Step> steps = p.schedule();
        int n = p.chunks();
        assertEquals(6L * n, steps.size(), "six steps per chunk");
        Map<Integer, List<Kind>> perChunk = new HashMap<>();
        int[] slotOwner = new int[slots];
        java.util.Arrays.fill(slotOwner, -1);
        int nextDrain = 0;
        int inFlight = 0;
        for (Step s : steps) {
            perChunk.computeIfAbsent(s.chunk(), k -> new ArrayList<>()).add(s.kind());
            assertEquals(p.slotOf(s.chunk()), s.slot());
            assertEquals(p.chunkStart(s.chunk()), s.start());
            assertEquals(p.chunkLength(s.chunk()), s.length());
            switch (s.kind()) {
                case FILL -> {
                    assertEquals(-1, slotOwner[s.slot()], "slot " + s.slot() + " refilled before chunk " + slotOwner[s.slot()] + " was drained");
                    slotOwner[s.slot()] = s.chunk();
                    inFlight++;
                    assertTrue(inFlight <= slots, "at most one chunk in flight per slot");
                }
                case DRAIN -> {
                    assertEquals(nextDrain++, s.chunk(), "drains in chunk order");
                    assertEquals(s.chunk(), slotOwner[s.slot()]);
                    slotOwner[s.slot()] = -1;
                    inFlight--;
                }
                default -> assertEquals(s.chunk(), slotOwner[s.slot()], s + " on a slot that does not hold its chunk");
            }
        }
        assertEquals(n, nextDrain);
        for (int c = 0; c < n; c++) {
            assertEquals(List.of(Kind.FILL, Kind.H2D, Kind.KERNEL, Kind.D2H, Kind.AWAIT, Kind.DRAIN), perChunk.get(c), "chunk " + c);
        }
    }

    @Test
    void withSeveralSlotsTheNextChunkIsQueuedBeforeThePreviousIsAwaited() {
        List<Step> steps = new ChunkPlan(40, 10, 2).schedule();
        int d2h1 = indexOf(steps, Kind.D2H, 1);
        int await0 = indexOf(steps, Kind.AWAIT, 0);
        assertTrue(d2h1 < await0, "chunk 1 is queued while chunk 0 runs: " + steps);
        assertTrue(indexOf(steps, Kind.DRAIN, 0) < indexOf(steps, Kind.FILL, 2), "slot 0 is drained before it is refilled");
    }

    private static int indexOf(List<Step> steps, Kind k, int chunk) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).kind() == k && steps.get(i).chunk() == chunk) {
                return i;
            }
        }
        throw new AssertionError(k + "(" + chunk + ") not in " + steps);
    }

    @Test
    void completedPrefixCountsWholeDrainedChunksOnly() {
        ChunkPlan p = new ChunkPlan(25, 10, 2);
        assertEquals(0, p.completedAfter(0));
        assertEquals(10, p.completedAfter(1));
        assertEquals(20, p.completedAfter(2));
        assertEquals(25, p.completedAfter(3));
    }

    @Test
    void chunksHoldWholeElements() {
        ChunkPlan f32 = ChunkPlan.of(100, 4, 16L << 20, 3);
        ChunkPlan f64 = ChunkPlan.of(100, 8, 16L << 20, 3);
        assertEquals(4L << 20, f32.chunkElements());
        assertEquals(2L << 20, f64.chunkElements());
        assertThrows(IllegalArgumentException.class, () -> ChunkPlan.of(100, 8, 4, 3));
    }

    @Test
    void badValuesAreRejectedWithTheirName() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ChunkPlan(10, 0, 2));
        assertTrue(e.getMessage().contains("elements per chunk"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ChunkPlan(10, 1, 0));
        assertTrue(e.getMessage().contains("slots"), e.getMessage());
    }
}
