package org.sigbatch.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jcuda.CudaException;
import jcuda.driver.JCudaDriver;
import org.sigbatch.BackendUnavailableException;

/**
 * Loads the CUDA driver once per JVM. No CUDA is normal: without libcuda.so.1 the first touch of
 * JCudaDriver throws UnsatisfiedLinkError and every later touch NoClassDefFoundError, so the outcome
 * of the first attempt is cached and reported as the reason from then on.
 */
final class CudaDriver {
    private static String unavailable; // null: not probed yet, "": available
    private static int deviceCount;
    private static int driverVersion;

    private CudaDriver() {
    }

    /** Throws BackendUnavailableException("cuda", reason) unless the driver loaded and has a device. */
    static synchronized void require() {
        if (unavailable == null) {
            unavailable = probe();
        }
        if (!unavailable.isEmpty()) {
            throw new BackendUnavailableException("cuda", unavailable);
        }
    }

    /** The cached reason, or null if CUDA is available or not probed yet. */
    static synchronized String unavailableReason() {
        return unavailable == null || unavailable.isEmpty() ? null : unavailable;
    }

    static synchronized int deviceCount() {
        return deviceCount;
    }

    static synchronized int driverVersion() {
        return driverVersion;
    }

    private static String probe() {
        String tmp = System.getProperty("java.io.tmpdir");
        try {
            // JCuda unpacks its .so into java.io.tmpdir; a missing directory would read as "no CUDA"
            Path dir = Files.createDirectories(Path.of(tmp));
            if (!Files.isWritable(dir)) {
                return "java.io.tmpdir (" + tmp + ") is not writable, JCuda cannot unpack its native library there";
            }
        } catch (IOException | RuntimeException e) {
            return "java.io.tmpdir (" + tmp + ") is not writable, JCuda cannot unpack its native library: " + e;
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] v = {0};
            cuDriverGetVersion(v);
            driverVersion = v[0];
            int[] n = {0};
            cuDeviceGetCount(n);
            deviceCount = n[0];
            if (deviceCount == 0) {
                return "the CUDA driver " + version(driverVersion) + " loaded but reports no device";
            }
            return "";
        } catch (LinkageError e) {
            // the real cause: no driver, a missing libstdc++, a noexec or unwritable tmpdir, a damaged copy there...
            return NativeLoadReason.of(e, tmp);
        } catch (CudaException e) {
            return "cuInit failed: " + e.getMessage() + " (driver present but unusable: no device, or a driver older than the kernels need)";
        }
    }

    /** 12080 -> "12.8". */
    static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }
}
