package org.sigbatch.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IntervalUnionTest {
    @Test
    void emptyIsZero() {
        assertEquals(0, new IntervalUnion().length());
        assertEquals(0, IntervalUnion.of());
        assertEquals(0, IntervalUnion.of(5, 5, 9, 3), "empty and reversed intervals count for nothing");
    }

    @Test
    void disjointIntervalsAdd() {
        assertEquals(10 + 5, IntervalUnion.of(0, 10, 20, 25));
    }

    @Test
    void overlapsCountOnce() {
        assertEquals(15, IntervalUnion.of(0, 10, 5, 15));
        assertEquals(30, IntervalUnion.of(0, 10, 10, 20, 20, 30), "touching intervals join");
    }

    @Test
    void nestedIntervalsAddNothing() {
        assertEquals(100, IntervalUnion.of(0, 100, 10, 20, 30, 40, 50, 99));
        assertEquals(100, IntervalUnion.of(10, 20, 0, 100), "the outer one coming last");
    }

    @Test
    void orderDoesNotMatter() {
        assertEquals(IntervalUnion.of(0, 10, 5, 15, 40, 50, 45, 47), IntervalUnion.of(45, 47, 40, 50, 5, 15, 0, 10));
        assertEquals(25, IntervalUnion.of(40, 50, 0, 10, 5, 15));
    }

    @Test
    void matchesACountOfCoveredPointsOnRandomSets() {
        SplittableRandom r = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            IntervalUnion u = new IntervalUnion();
            boolean[] covered = new boolean[300];
            int n = r.nextInt(0, 40); // grows past the initial capacity too
            for (int i = 0; i < n; i++) {
                int s = r.nextInt(0, 250);
                int e = s + r.nextInt(-5, 50);
                u.add(s, e);
                for (int p = s; p < e; p++) {
                    covered[p] = true;
                }
            }
            long expect = 0;
            for (boolean c : covered) {
                expect += c ? 1 : 0;
            }
            assertEquals(expect, u.length(), "round " + round);
        }
    }

    @Test
    void clearForgets() {
        IntervalUnion u = new IntervalUnion();
        u.add(0, 10);
        u.clear();
        u.add(100, 101);
        assertEquals(1, u.length());
        assertEquals(1, u.size());
    }

    @Test
    void oddBoundsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> IntervalUnion.of(1, 2, 3));
    }
}
