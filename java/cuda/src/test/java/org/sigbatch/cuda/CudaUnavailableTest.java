package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.testing.Hardware;

/**
 * No CUDA is the normal case on most machines: the backend reports why, AUTO falls back to the CPU,
 * and an explicit CUDA request fails with that reason. Runs only where CUDA is unavailable (here and
 * in CI); on a GPU machine it is skipped and CudaBackendTest runs instead.
 */
class CudaUnavailableTest {
    static String reason;

    @BeforeAll
    static void probe() {
        try {
            CudaBackend.open(Map.of()).close();
        } catch (BackendUnavailableException e) {
            reason = e.getMessage();
        }
    }

    private static void assumeNoCuda() {
        Assumptions.assumeTrue(reason != null && !Hardware.required("cuda"), "CUDA is available here: the unavailable path is not exercised");
    }

    @Test
    void providerIsRegisteredWithRank20() {
        BackendProvider cuda = null;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.id().equals("cuda")) {
                cuda = p;
            }
        }
        assertNotNull(cuda, "META-INF/services registers the cuda provider");
        assertEquals(20, cuda.rank());
        assertTrue(cuda instanceof CudaBackendProvider);
    }

    @Test
    void reasonNamesTheDriverLibraryAndIsCached() {
        assumeNoCuda();
        assertTrue(reason.startsWith("cuda unavailable: "), reason);
        assertTrue(reason.contains("libcuda"), "the reason tells what is missing: " + reason);
        // the second attempt must not see NoClassDefFoundError: the first reason is cached
        var again = assertThrows(BackendUnavailableException.class, () -> CudaBackend.open(Map.of()));
        assertEquals(reason, again.getMessage());
        assertEquals("cuda", again.backend());
    }

    @Test
    void autoFallsBackToTheCpuAndSaysWhy() {
        assumeNoCuda();
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.AUTO).build()) {
            assertFalse(s.availableBackends().contains("cuda"));
            String why = s.unavailableBackends().get("cuda");
            assertNotNull(why, "unavailableBackends() lists cuda: " + s.unavailableBackends());
            assertTrue(why.contains("libcuda"), why);
            float[] x = {-100f, -1f, 0f, 2f, 90f};
            float[] y = new float[x.length];
            Provenance p = s.sigmoid(x, y);
            assertEquals("cpu", p.backend());
            for (int i = 0; i < x.length; i++) {
                assertTrue(Ulps.error(y[i], Reference.sigmoid(x[i])) <= 1);
            }
            assertEquals("cpu", s.choose(org.sigbatch.Op.SIGMOID, org.sigbatch.DType.F32, 1L << 30));
        }
    }

    @Test
    void explicitCudaFailsWithTheReason() {
        assumeNoCuda();
        var e = assertThrows(BackendUnavailableException.class, () -> Sigmoid.create(BackendKind.CUDA));
        assertEquals("cuda", e.backend());
        assertTrue(e.getMessage().contains("libcuda"), e.getMessage());
    }
}
