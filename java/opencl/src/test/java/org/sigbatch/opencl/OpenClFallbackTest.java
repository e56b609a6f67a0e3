package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.testing.UlpCheck;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;
import org.sigbatch.testing.TestData;

/**
 * A device failure mid-call (injected at chunk k with {@code opencl.inject.failAtChunk}), seen from
 * the backend: the exact completed count, nothing written past it, and the backend usable afterwards.
 * With two queues, chunks 0..k-2 are drained when chunk k's kernel fails. (The facade's fallback with
 * the CPU finishing the batch is in the contract suite, {@link OpenClContractTest}.)
 */
class OpenClFallbackTest {
    private static final int N = 50_001;

    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
    }

    @Test
    void backendReportsExactCompletedCount() {
        float[] x = java.util.Arrays.copyOf(TestData.inputsF32(N, 66), N);
        float[] y = new float[N];
        java.util.Arrays.fill(y, Float.NaN);
        try (OpenClBackend b = OpenClTesting.backend("opencl.maxChunkBytes", "4096", "opencl.inject.failAtChunk", "8")) {
            Batch batch = new Batch(DType.F32, N, List.of(new Operand.F32Array(x, 0, N)), List.of(new Operand.F32Array(y, 0, N)));
            BackendFailure f = assertThrows(BackendFailure.class, () -> b.execute(Op.SIGMOID, batch));
            assertEquals(7 * 1024, f.completed());
            UlpCheck.f32(Op.SIGMOID, 0, x, null, y, (int) f.completed(), "completed prefix");
            for (int i = (int) f.completed(); i < N; i++) {
                assertTrue(Float.isNaN(y[i]), "element " + i + " past the completed prefix was written");
            }
            // the backend stays usable after a failure
            try (OpenClBackend ok = OpenClTesting.backend()) {
                java.util.Arrays.fill(y, 0f);
                ok.execute(Op.SIGMOID, batch);
                UlpCheck.f32(Op.SIGMOID, 0, x, null, y, N, "after failure");
            } catch (BackendFailure e) {
                throw new AssertionError(e);
            }
        }
    }
}
