package org.sigbatch.cpu;

import org.sigbatch.BackendKind;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * Run in a fresh JVM by {@link JitWarmupTest}: a first call's warm-up, as a user's process sees it, not the
 * state of a test JVM whose one C2 thread may be busy with other tests' compiles.
 */
public final class WarmupProbe {
    private WarmupProbe() {
    }

    public static void main(String[] args) {
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.CPU).build()) {
            s.warmUp();
            System.out.println("f32=" + s.describe("cpu").get("float32 JIT warm-up"));
            System.out.println("f64=" + s.describe("cpu").get("float64 JIT warm-up"));
            float[] x = new float[1 << 17];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i - x.length / 2) * 1e-3f;
            }
            Provenance p = s.sigmoid(x, new float[x.length]);
            System.out.println("device=" + p.device());
        }
    }
}
