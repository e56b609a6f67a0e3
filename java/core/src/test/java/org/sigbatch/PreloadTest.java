package org.sigbatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.sigbatch.spi.BackendProvider;

/** Sigmoid.preload changes nothing an evaluator opens, selects, computes or reports; it only starts earlier. */
class PreloadTest {
    @Test
    void anEvaluatorOpenedDuringAndAfterAPreloadIsTheSame() {
        List<String> before;
        Map<String, String> downBefore;
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i - 500) * 0.07f;
        }
        float[] y0 = new float[x.length];
        try (Sigmoid s = Sigmoid.create()) {
            before = s.availableBackends();
            downBefore = s.unavailableBackends();
            s.sigmoid(x, y0);
        }
        // what the preload thread runs (in this JVM Sigmoid.preload skips backends that opened already)
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            p.preload();
        }
        Sigmoid.preload("auto");
        for (int round = 0; round < 2; round++) {
            float[] y = new float[x.length];
            try (Sigmoid s = Sigmoid.create()) {
                assertEquals(before, s.availableBackends());
                assertEquals(downBefore.keySet(), s.unavailableBackends().keySet());
                s.sigmoid(x, y);
            }
            assertArrayEquals(y0, y);
        }
    }

    @Test
    void aBlankBackendIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Sigmoid.preload(" "));
    }
}
