package org.sigbatch.cuda;

import java.util.Map;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendProvider;

/** ServiceLoader entry for the CUDA backend. Touches no native code until {@link #open}. */
public final class CudaBackendProvider implements BackendProvider {
    @Override
    public String id() {
        return "cuda";
    }

    /** Above OpenCL (10) and the CPU (0). */
    @Override
    public int rank() {
        return 20;
    }

    @Override
    public Backend open(Map<String, String> options) {
        return CudaBackend.open(options);
    }

    /** Loads JCuda and the driver once per JVM ({@link CudaDriver} caches the outcome for open()). */
    @Override
    public void preload() {
        try {
            CudaDriver.require();
        } catch (RuntimeException | LinkageError e) {
            // open() reports the cached reason
        }
    }
}
