package org.sigbatch.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The host-copy threads of the pipeline: how copies are cut, that the slices cover them exactly, and failures. */
class StagingCopierTest {
    @ParameterizedTest
    @CsvSource({"1,4000000,4", "4,4000000,4", "4,100,4", "8,4194304,4", "8,2097152,8", "3,1000003,8", "8,262144,4", "64,33554432,4"})
    void slicesCoverTheCopyOnceAlignedAndAtLeastOneMiB(int threads, int len, int eb) {
        StagingCopier c = new StagingCopier(threads);
        List<int[]> slices = c.slices(len, eb);
        assertTrue(slices.size() <= threads, "at most one slice per thread");
        long expected = 0;
        for (int k = 0; k < slices.size(); k++) {
            int[] s = slices.get(k);
            assertEquals(expected, s[0], "contiguous");
            expected += s[1];
            if (slices.size() > 1) {
                assertEquals(0, ((long) s[0] * eb) % 4096, "slices start on a page");
                if (k < slices.size() - 1) {
                    assertTrue((long) s[1] * eb >= StagingCopier.MIN_SLICE_BYTES, "slice of " + s[1] * eb + " B");
                }
            }
        }
        assertEquals(len, expected, "covers exactly");
        long bytes = (long) len * eb;
        if (bytes >= 2 * StagingCopier.MIN_SLICE_BYTES && threads >= 2) {
            assertTrue(slices.size() >= 2, "a copy of two MiB or more is split");
        }
    }

    @Test
    void everySliceRunsOnceAndSeveralThreadsTakePart() {
        StagingCopier c = new StagingCopier(4);
        int len = 4 << 20; // 16 MiB of floats: 4 slices
        int[] hits = new int[len];
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        c.copy(len, 4, (from, count) -> {
            threads.add(Thread.currentThread());
            for (int i = from; i < from + count; i++) {
                hits[i]++;
            }
        });
        for (int i = 0; i < len; i += 4093) {
            assertEquals(1, hits[i], "element " + i);
        }
        assertEquals(1, hits[len - 1]);
        assertTrue(threads.contains(Thread.currentThread()), "the caller copies a slice itself");
        assertTrue(threads.size() >= 2, "pool threads take the others: " + threads);
        assertTrue(threads.stream().filter(t -> t != Thread.currentThread()).allMatch(Thread::isDaemon), "pool threads are daemons");
        assertTrue(StagingCopier.poolSize() >= 3 && StagingCopier.poolSize() <= StagingCopier.MAX_THREADS, "bounded: " + StagingCopier.poolSize());
    }

    @Test
    void aFailingSliceIsRethrownAfterEverySliceFinished() {
        StagingCopier c = new StagingCopier(4);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.copy(4 << 20, 4, (from, count) -> {
            running.incrementAndGet();
            if (from > 0 && from < (2 << 20)) {
                throw new IllegalStateException("slice at " + from + " failed");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            finished.incrementAndGet();
        }));
        assertTrue(e.getMessage().contains("failed"), e.getMessage());
        assertEquals(running.get() - 1, finished.get(), "the other slices had all finished when the failure came back");
    }

    @Test
    void smallCopiesStayOnTheCaller() {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        new StagingCopier(8).copy(1000, 8, (from, count) -> threads.add(Thread.currentThread()));
        assertEquals(Set.of(Thread.currentThread()), threads);
    }

    @Test
    void threadCountIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> new StagingCopier(0));
        assertThrows(IllegalArgumentException.class, () -> new StagingCopier(StagingCopier.MAX_THREADS + 1));
        assertTrue(StagingCopier.defaultThreads() >= 1 && StagingCopier.defaultThreads() <= 8);
    }
}
