package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;

/**
 * A device failure mid-call (injected at chunk k with {@code opencl.inject.failAtChunk}) ends with the
 * CPU finishing the batch, nothing lost. With two queues, chunks 0..k-2 are drained when chunk k's
 * kernel fails.
 */
class OpenClFallbackTest {
    private static final int N = 50_001;

    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
    }

    private static Sigmoid failing(int atChunk) {
        return OpenClTesting.sigmoid("opencl.maxChunkBytes", "4096", "opencl.inject.failAtChunk", Integer.toString(atChunk));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void fallsBackAfterThreeChunks(boolean inPlace) {
        float[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF32(N, 61), N);
        float[] orig = x.clone();
        float[] y = inPlace ? x : new float[N];
        try (Sigmoid s = failing(4)) {
            Provenance p = s.sigmoid(x, y);
            assertTrue(p.fellBack(), p.toString());
            assertEquals("cpu", p.backend());
            assertEquals("opencl", p.fallbackFrom());
            assertEquals(3 * 1024, p.primaryElements(), "three chunks of 1024 were final before the failure");
            assertTrue(p.fallbackReason().contains("injected failure at chunk 4 (opencl.inject.failAtChunk)"), p.fallbackReason());
        }
        Check.f32(Op.SIGMOID, 0, orig, null, y, N, "fallback" + (inPlace ? " in-place" : ""));
    }

    @Test
    void fusedAndBackwardInPlaceFallBack() {
        float[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF32(N, 62), N);
        float[] g = OpenClTesting.gradF32(N, 63);
        float[] orig = x.clone();
        float[] d = new float[N];
        try (Sigmoid s = failing(6)) {
            Provenance p = s.fused(x, x, d);
            assertTrue(p.fellBack());
            assertEquals(5 * 1024, p.primaryElements());
            Check.f32(Op.FUSED, 0, orig, null, x, N, "fused in-place fallback");
            Check.f32(Op.FUSED, 1, orig, null, d, N, "fused in-place fallback");
            float[] x2 = orig.clone();
            Provenance q = s.backward(x2, g, x2);
            assertTrue(q.fellBack());
            Check.f32(Op.BACKWARD, 0, orig, g, x2, N, "backward in-place fallback");
        }
    }

    @Test
    void float64FallsBack() {
        double[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF64(N, 64), N);
        double[] orig = x.clone();
        try (Sigmoid s = failing(3)) {
            Provenance p = s.derivative(x, x);
            assertTrue(p.fellBack());
            assertEquals(2 * 512, p.primaryElements());
        }
        Check.f64(Op.DERIVATIVE, 0, orig, null, x, N, "f64 fallback");
    }

    @Test
    void failureBeforeTheFirstChunk() {
        float[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF32(N, 65), N);
        float[] y = new float[N];
        try (Sigmoid s = failing(0)) {
            Provenance p = s.sigmoid(x, y);
            assertTrue(p.fellBack());
            assertEquals(0, p.primaryElements());
        }
        Check.f32(Op.SIGMOID, 0, x, null, y, N, "fallback from 0");
    }

    @Test
    void backendReportsExactCompletedCount() {
        float[] x = java.util.Arrays.copyOf(OpenClTesting.inputsF32(N, 66), N);
        float[] y = new float[N];
        java.util.Arrays.fill(y, Float.NaN);
        try (OpenClBackend b = OpenClTesting.backend("opencl.maxChunkBytes", "4096", "opencl.inject.failAtChunk", "8")) {
            Batch batch = new Batch(DType.F32, N, List.of(new Operand.F32Array(x, 0, N)), List.of(new Operand.F32Array(y, 0, N)));
            BackendFailure f = assertThrows(BackendFailure.class, () -> b.execute(Op.SIGMOID, batch));
            assertEquals(7 * 1024, f.completed());
            Check.f32(Op.SIGMOID, 0, x, null, y, (int) f.completed(), "completed prefix");
            for (int i = (int) f.completed(); i < N; i++) {
                assertTrue(Float.isNaN(y[i]), "element " + i + " past the completed prefix was written");
            }
            // the backend stays usable after a failure
            try (OpenClBackend ok = OpenClTesting.backend()) {
                java.util.Arrays.fill(y, 0f);
                ok.execute(Op.SIGMOID, batch);
                Check.f32(Op.SIGMOID, 0, x, null, y, N, "after failure");
            } catch (BackendFailure e) {
                throw new AssertionError(e);
            }
        }
    }
}
