package org.sigbatch.spi.stream;

import java.util.Map;
import org.sigbatch.DType;
import org.sigbatch.Sigmoid;
import org.sigbatch.testing.BackendContract;
import org.sigbatch.testing.SimulatedBackendProvider;

/** The backend contract on the simulated backend: the shared pipeline, its failure accounting and the facade's fallback, without a device. */
class SimulatedContractTest extends BackendContract {
    @Override
    protected String backend() {
        return SimulatedBackendProvider.ID;
    }

    @Override
    protected Sigmoid.Builder configure(Sigmoid.Builder b) {
        return b.provider(new SimulatedBackendProvider());
    }

    @Override
    protected Map<String, String> smallChunks() {
        return Map.of("sim.chunkElements", "1000", "sim.streams", "2");
    }

    @Override
    protected int chunkElements(DType t) {
        return 1000;
    }

    /** Element by element in double-double, like the check (about 10 µs an element): calls up to 50,000 elements. */
    @Override
    protected int propertyMaxLength() {
        return 50_000;
    }

    /** The simulated device computes element by element in Java: 20 chunks per call is plenty. */
    @Override
    protected int threadBatch() {
        return 20_003;
    }
}
