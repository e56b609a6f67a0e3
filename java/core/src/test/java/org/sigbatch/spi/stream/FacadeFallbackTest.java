package org.sigbatch.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sigbatch.BackendKind;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.reference.OpReference;
import org.sigbatch.Op;
import org.sigbatch.reference.Ulps;
import org.sigbatch.testing.SimulatedBackendProvider;

/**
 * The facade's mid-call fallback with the CUDA pipeline's failure accounting, without a GPU: the
 * "sim" backend runs {@link Pipeline} on a simulated device and fails at a chosen chunk; the CPU
 * must finish exactly the rest, in place included. (CudaBackendTest does the same on a real GPU.)
 */
class FacadeFallbackTest {
    private static float[] data(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 240 - 120);
        }
        return x;
    }

    private static Sigmoid sim(String failAt) {
        return Sigmoid.builder().provider(new SimulatedBackendProvider()).backend(BackendKind.AUTO)
                .option("sim.chunkElements", "1000").option("sim.streams", "2").option("sim.inject.failAtChunk", failAt).build();
    }

    @Test
    void failureMidCallIsFinishedByTheCpuInPlace() {
        try (Sigmoid s = sim("5")) {
            int n = 10_000;
            float[] x = data(n, 21);
            float[] orig = x.clone();
            Provenance p = s.sigmoid(x, x);
            assertEquals("cpu", p.backend());
            assertEquals("sim", p.fallbackFrom());
            // chunk 5 fails at its kernel step; with 2 slots chunks 0..3 were drained before it
            assertEquals(4000, p.primaryElements(), p.toString());
            assertTrue(p.fallbackReason().contains("injected failure at chunk 5"), p.fallbackReason());
            for (int i = 0; i < n; i++) {
                assertTrue(Ulps.error(x[i], OpReference.f32(Op.SIGMOID, 0, orig[i], 0)) <= 1, "at " + i);
            }
        }
    }

    @Test
    void fusedInPlaceFallbackKeepsBothOutputsRight() {
        try (Sigmoid s = sim("2")) {
            int n = 4321;
            float[] x = data(n, 22);
            float[] orig = x.clone();
            float[] d = new float[n];
            Provenance p = s.fused(x, x, d);
            assertEquals("sim", p.fallbackFrom());
            assertEquals(1000, p.primaryElements());
            for (int i = 0; i < n; i++) {
                assertTrue(Ulps.error(x[i], OpReference.f32(Op.SIGMOID, 0, orig[i], 0)) <= 1, "y at " + i);
                assertTrue(Ulps.error(d[i], OpReference.f32(Op.DERIVATIVE, 0, orig[i], 0)) <= 2, "d at " + i);
            }
        }
    }

    @Test
    void withoutAFailureThePipelineProducesEverything() {
        try (Sigmoid s = sim("-1")) {
            int n = 2500;
            float[] x = data(n, 23);
            float[] y = new float[n];
            Provenance p = s.sigmoid(x, y);
            assertEquals("sim", p.backend());
            assertNull(p.fallbackFrom());
            for (int i = 0; i < n; i++) {
                assertTrue(Ulps.error(y[i], OpReference.f32(Op.SIGMOID, 0, x[i], 0)) <= 1);
            }
        }
    }
}
