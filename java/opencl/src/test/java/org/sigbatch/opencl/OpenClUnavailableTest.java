package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.BackendUnavailableException;

/**
 * "No OpenCL" is normal: a child JVM without a usable platform must fall back to the CPU with a reason.
 * (A missing ICD loader, the third case, cannot be simulated here without hiding libOpenCL.so.1; the
 * backend maps JOCL's UnsatisfiedLinkError the same way.)
 */
class OpenClUnavailableTest {
    @TempDir
    Path tmp;

    private String runChild(Map<String, String> env) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                "-cp", System.getProperty("java.class.path"), OpenClProbeMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().remove("SIGBATCH_BACKEND");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM hung");
        assertEquals(0, p.exitValue(), "child JVM failed:\n" + out);
        return out;
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in:\n" + out));
    }

    @Test
    void noPlatformFallsBackToCpu() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("no-vendors"));
        String out = runChild(Map.of("OCL_ICD_VENDORS", empty.toString()));
        assertEquals("available=[cpu]", line(out, "available="), out);
        assertEquals("provenance=cpu", line(out, "provenance="), out);
        String why = line(out, "unavailable=");
        assertTrue(why.contains("opencl=") && why.toLowerCase().contains("platform"), why);
        System.err.println("no platform: " + why);
    }

    @Test
    void unwritablePoclCacheFallsBackToCpu() throws Exception {
        OpenClTesting.require(); // only meaningful where PoCL is installed
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        String out = runChild(Map.of("POCL_CACHE_DIR", file.resolve("kcache").toString()));
        String why = line(out, "unavailable=");
        if (line(out, "available=").contains("opencl")) {
            // another platform with devices may still be present; then there is nothing to assert
            System.err.println("unwritable PoCL cache: OpenCL still opened (other platform?): " + out);
            return;
        }
        assertEquals("available=[cpu]", line(out, "available="), out);
        assertTrue(why.contains("opencl=") && why.contains("no devices") && why.contains("POCL_CACHE_DIR"), why);
        System.err.println("unwritable PoCL cache: " + why);
    }

    @Test
    void unknownDeviceNameIsUnavailableWithTheList() {
        OpenClTesting.require();
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> OpenClTesting.backend("opencl.device", "no-such-device-xyz"));
        assertTrue(e.getMessage().startsWith("opencl unavailable: no OpenCL device matches"), e.getMessage());
        BackendUnavailableException e2 = assertThrows(BackendUnavailableException.class,
                () -> OpenClTesting.backend("opencl.platform", "99"));
        assertTrue(e2.getMessage().contains("platform"), e2.getMessage());
        // by index and by name fragment
        try (OpenClBackend b = OpenClTesting.backend("opencl.device", "0")) {
            String name = b.describe().get("device");
            try (OpenClBackend c = OpenClTesting.backend("opencl.device", name.substring(0, Math.min(5, name.length())))) {
                assertEquals(name, c.describe().get("device"));
            }
        }
    }
}
