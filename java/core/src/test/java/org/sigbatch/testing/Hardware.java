package org.sigbatch.testing;

import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need hardware (OpenCL, CUDA) call {@link #requireOrSkip}: where the hardware is absent the
 * test is reported as skipped with the reason, unless the system property {@code sigbatch.require}
 * (set by {@code make test SIGBATCH_REQUIRE=opencl,cuda}; CI sets {@code opencl}) names the backend,
 * in which case the absence is a test failure. So CI can never pass with those tests skipped.
 */
public final class Hardware {
    private Hardware() {
    }

    /** True if {@code -Dsigbatch.require} names {@code backend} (comma-separated list, or {@code all}). */
    public static boolean required(String backend) {
        String req = System.getProperty("sigbatch.require", "");
        return Arrays.stream(req.toLowerCase(Locale.ROOT).split(","))
                .map(String::trim)
                .anyMatch(s -> s.equals(backend) || s.equals("all"));
    }

    /**
     * Skips (visibly) or fails the calling test when {@code available} is false.
     *
     * @param reason why the backend is unavailable, shown in the skip or failure message
     */
    public static void requireOrSkip(String backend, boolean available, String reason) {
        if (available) {
            return;
        }
        String msg = backend + " unavailable: " + reason;
        if (required(backend)) {
            Assertions.fail(msg + " (required by -Dsigbatch.require=" + System.getProperty("sigbatch.require") + ")");
        }
        System.err.println("SKIPPED (" + msg + ")");
        Assumptions.abort(msg);
    }

    /** True if the long exhaustive tests should run ({@code -Dsigbatch.exhaustive=true}, set by {@code make test}). */
    public static boolean exhaustive() {
        return Boolean.getBoolean("sigbatch.exhaustive");
    }
}
