package org.sigbatch.opencl;

import org.sigbatch.Sigmoid;

/** Run in a child JVM by {@link OpenClUnavailableTest}: prints what the facade opened and why the rest did not. */
public final class OpenClProbeMain {
    private OpenClProbeMain() {
    }

    public static void main(String[] args) {
        try (Sigmoid s = Sigmoid.create()) {
            float[] x = {0f, 1f};
            float[] y = new float[2];
            System.out.println("provenance=" + s.sigmoid(x, y).backend());
            System.out.println("available=" + s.availableBackends());
            System.out.println("unavailable=" + s.unavailableBackends());
        }
    }
}
