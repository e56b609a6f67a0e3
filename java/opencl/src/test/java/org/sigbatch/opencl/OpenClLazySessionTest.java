package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.testing.TestData;
import org.sigbatch.testing.UlpCheck;

/**
 * Opened for AUTO (not by name), the backend makes its context, queues and program on first use, so
 * an evaluator that never sends it work creates no OpenCL objects; by name it makes them at open, so
 * a device that cannot be set up is reported there. Either way the first call computes correctly and
 * close releases everything.
 */
class OpenClLazySessionTest {
    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
    }

    @Test
    void forAutoNothingIsCreatedUntilTheFirstUse() throws BackendFailure {
        long before = OpenClBackend.liveNativeObjects();
        OpenClBackend b = (OpenClBackend) new OpenClBackendProvider().open(Map.of(), false);
        try {
            assertEquals(before, OpenClBackend.liveNativeObjects(), "no context, queue or program before the first use");
            int n = 10_007;
            float[] x = java.util.Arrays.copyOf(TestData.inputsF32(n, 5), n);
            float[] y = new float[n];
            b.execute(Op.SIGMOID, new Batch(DType.F32, n, List.of(new Operand.F32Array(x, 0, n)), List.of(new Operand.F32Array(y, 0, n))));
            UlpCheck.f32(Op.SIGMOID, 0, x, null, y, n, "first use of a lazily set-up backend");
            assertTrue(OpenClBackend.liveNativeObjects() > before, "the first use made the session");
            assertTrue(!b.describe().get("program").startsWith("not built"), b.describe().get("program"));
        } finally {
            b.close();
        }
        assertEquals(before, OpenClBackend.liveNativeObjects(), "close released the session");
    }

    @Test
    void aDescriptionIsAUseToo() {
        long before = OpenClBackend.liveNativeObjects();
        try (OpenClBackend b = (OpenClBackend) new OpenClBackendProvider().open(Map.of(), false)) {
            assertEquals(before, OpenClBackend.liveNativeObjects());
            String program = b.describe().get("program"); // sigbatch devices: what a use would get
            assertTrue(program.contains("cache") || program.contains("source") || program.contains("built"), program);
            assertTrue(OpenClBackend.liveNativeObjects() > before);
        }
        assertEquals(before, OpenClBackend.liveNativeObjects());
    }

    @Test
    void aDeviceArrayIsTheFirstUseToo() {
        long before = OpenClBackend.liveNativeObjects();
        try (OpenClBackend b = (OpenClBackend) new OpenClBackendProvider().open(Map.of(), false)) {
            try (var a = b.allocate(DType.F32, 1000)) {
                float[] x = new float[1000];
                java.util.Arrays.fill(x, 2f);
                a.write(0, x, 0, x.length);
                float[] back = new float[1000];
                a.read(0, back, 0, back.length);
                assertEquals(2f, back[999]);
            }
        }
        assertEquals(before, OpenClBackend.liveNativeObjects());
    }

    @Test
    void byNameTheSessionIsMadeAtOpen() {
        long before = OpenClBackend.liveNativeObjects();
        try (OpenClBackend b = (OpenClBackend) new OpenClBackendProvider().open(Map.of(), true)) {
            assertTrue(OpenClBackend.liveNativeObjects() > before, "context, queues and program made at open");
            assertTrue(!b.describe().get("program").startsWith("not built"), b.describe().get("program"));
        }
        assertEquals(before, OpenClBackend.liveNativeObjects());
    }

    @Test
    void closedBeforeAnyUseReleasesNothingAndSaysSo() {
        long before = OpenClBackend.liveNativeObjects();
        OpenClBackend b = (OpenClBackend) new OpenClBackendProvider().open(Map.of(), false);
        b.close();
        assertEquals(before, OpenClBackend.liveNativeObjects());
        assertEquals("released (closed)", b.describe().get("program"));
    }
}
