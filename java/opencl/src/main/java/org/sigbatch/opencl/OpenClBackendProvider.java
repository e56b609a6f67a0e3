package org.sigbatch.opencl;

import java.util.Map;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendProvider;

/**
 * Registers the OpenCL backend (JOCL). Cheap to construct: no native code is touched until
 * {@link #open(Map)}, which throws {@link org.sigbatch.BackendUnavailableException} when there is no
 * ICD loader, no platform or no usable device.
 */
public final class OpenClBackendProvider implements BackendProvider {
    @Override
    public String id() {
        return OpenClBackend.ID;
    }

    /** Above the CPU (0), below CUDA (20): on an NVIDIA machine the native CUDA backend wins. */
    @Override
    public int rank() {
        return 10;
    }

    @Override
    public Backend open(Map<String, String> options) {
        return OpenClBackend.open(options, true);
    }

    /** For AUTO the context and program are made on first use (PoCL: 0.02-0.14 s that AUTO, which never sends it host data, need not pay). */
    @Override
    public Backend open(Map<String, String> options, boolean byName) {
        return OpenClBackend.open(options, byName);
    }

    /** Loads JOCL and the ICD loader and lets the drivers enumerate their devices (PoCL: tens of ms). */
    @Override
    public void preload() {
        try {
            ClDevice.find(null, null);
        } catch (RuntimeException | LinkageError e) {
            // open() finds and reports the same
        }
    }
}
