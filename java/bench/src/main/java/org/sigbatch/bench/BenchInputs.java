package org.sigbatch.bench;

import java.util.SplittableRandom;

/** The float32 inputs of the CPU benchmarks (and of the C yardstick): uniform in [−20, 20), seed 1. */
final class BenchInputs {
    private BenchInputs() {
    }

    static float[] uniform20(int n) {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 40 - 20);
        }
        return x;
    }
}
