package org.sigbatch.bench;

import java.util.stream.IntStream;

/** Benchmark inputs: uniform in [-20, 20), a pure function of the index, filled in parallel (1G elements in seconds). */
final class BenchData {
    private BenchData() {
    }

    /** Element {@code i}: the top 24 bits of a 64-bit mix of i (SplitMix64's finaliser), scaled to [-20, 20). */
    static float value(long i) {
        long z = (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (float) ((z >>> 40) * 0x1.0p-24 * 40 - 20);
    }

    static float[] floats(int n) {
        float[] x = new float[n];
        IntStream.range(0, n).parallel().forEach(i -> x[i] = value(i));
        return x;
    }
}
