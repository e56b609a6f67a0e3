package org.sigbatch.testing;

import java.util.Map;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.spi.Options;
import org.sigbatch.spi.stream.Pipeline;

/**
 * Test-only backend {@code sim} ({@link SimulatedBackend}): the shared streaming {@link Pipeline} over a {@link SimulatedEngine},
 * so that any module can exercise chunking, mid-call failure and the CPU fallback without a device.
 * Not registered with the ServiceLoader; add it with {@code Sigmoid.builder().provider(new
 * SimulatedBackendProvider())}. Options: {@code sim.chunkElements} (default 1000), {@code sim.streams}
 * (default 2), {@code sim.inject.failAtChunk}, {@code sim.stagingThreads}, {@code sim.registerMinBytes}
 * (direct buffers registered for DMA, as CUDA does).
 */
public final class SimulatedBackendProvider implements BackendProvider {
    public static final String ID = "sim";

    @Override
    public String id() {
        return ID;
    }

    /** Below CUDA (20), above OpenCL (10): AUTO picks it where it is added. */
    @Override
    public int rank() {
        return 19;
    }

    private volatile SimulatedBackend last;

    @Override
    public Backend open(Map<String, String> options) {
        last = new SimulatedBackend(new Options(options));
        return last;
    }

    /** The memory tracker of the backend this provider opened last: device arrays and registered host memory. */
    public DeviceMemory lastMemory() {
        return last.memory();
    }
}
