package org.sigbatch.opencl;

import java.util.HashMap;
import java.util.Map;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.Sigmoid;
import org.sigbatch.testing.Hardware;

/** Shared set-up: whether OpenCL opens here, and evaluators on it (test inputs: the core test jar's TestData). */
final class OpenClTesting {
    private OpenClTesting() {
    }

    private static String reason;
    private static Boolean available;

    /** Opens (and closes) a backend once to learn whether OpenCL works here. */
    static synchronized boolean available() {
        if (available == null) {
            try (OpenClBackend b = OpenClBackend.open(Map.of())) {
                available = true;
                System.err.println("OpenCL device: " + b.describe());
            } catch (BackendUnavailableException | LinkageError e) {
                available = false;
                reason = e.getMessage();
            }
        }
        return available;
    }

    /** Skips (or fails under -Dsigbatch.require=opencl) when OpenCL is absent. */
    static void require() {
        boolean ok = available();
        Hardware.requireOrSkip("opencl", ok, ok ? "" : reason);
    }

    static OpenClBackend backend(String... kv) {
        return OpenClBackend.open(options(kv));
    }

    static Map<String, String> options(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** An evaluator forced onto OpenCL with the given options. */
    static Sigmoid sigmoid(String... kv) {
        Sigmoid.Builder b = Sigmoid.builder().backend(BackendKind.OPENCL);
        for (int i = 0; i < kv.length; i += 2) {
            b.option(kv[i], kv[i + 1]);
        }
        return b.build();
    }
}
