package org.sigbatch.spi;

import java.util.Arrays;

/**
 * The total length covered by a set of half-open intervals {@code [start, end)}: the busy time of a
 * resource used by several overlapping streams, where a sum would count the overlaps twice (and the
 * time one stream's work waited behind another's). Intervals may come in any order, nest or touch;
 * empty and reversed ones count for nothing. Not thread-safe.
 */
public final class IntervalUnion {
    private long[] starts = new long[16];
    private long[] ends = new long[16];
    private int size;

    /** Adds {@code [start, end)}; ignored when {@code end <= start}. */
    public void add(long start, long end) {
        if (end <= start) {
            return;
        }
        if (size == starts.length) {
            starts = Arrays.copyOf(starts, size * 2);
            ends = Arrays.copyOf(ends, size * 2);
        }
        starts[size] = start;
        ends[size] = end;
        size++;
    }

    /** Intervals added (non-empty ones only). */
    public int size() {
        return size;
    }

    public void clear() {
        size = 0;
    }

    /** The length of the union; 0 when empty. */
    public long length() {
        if (size == 0) {
            return 0;
        }
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(starts[a], starts[b]));
        long total = 0;
        long curStart = starts[order[0]];
        long curEnd = ends[order[0]];
        for (int k = 1; k < size; k++) {
            int i = order[k];
            if (starts[i] > curEnd) {
                total += curEnd - curStart;
                curStart = starts[i];
                curEnd = ends[i];
            } else if (ends[i] > curEnd) {
                curEnd = ends[i];
            }
        }
        return total + (curEnd - curStart);
    }

    /** The length of the union of the given pairs {@code start0, end0, start1, end1, ...}. */
    public static long of(long... bounds) {
        if (bounds.length % 2 != 0) {
            throw new IllegalArgumentException("intervals come in (start, end) pairs, got " + bounds.length + " values");
        }
        IntervalUnion u = new IntervalUnion();
        for (int i = 0; i < bounds.length; i += 2) {
            u.add(bounds[i], bounds[i + 1]);
        }
        return u.length();
    }
}
