package org.sigbatch.testing;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Options;
import org.sigbatch.spi.Timings;
import org.sigbatch.spi.stream.ChunkPlan;
import org.sigbatch.spi.stream.Pipeline;

/**
 * Test-only backend {@code sim}: the shared streaming {@link Pipeline} over a {@link SimulatedEngine},
 * so that any module can exercise chunking, mid-call failure and the CPU fallback without a device.
 * Not registered with the ServiceLoader; add it with {@code Sigmoid.builder().provider(new
 * SimulatedBackendProvider())}. Options: {@code sim.chunkElements} (default 1000), {@code sim.streams}
 * (default 2), {@code sim.inject.failAtChunk}.
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

    @Override
    public Backend open(Map<String, String> options) {
        Options o = new Options(options);
        int chunk = o.intValue("sim.chunkElements", 1000, 1, Integer.MAX_VALUE);
        int slots = o.intValue("sim.streams", 2, 1, 64);
        Pipeline pipeline = Pipeline.of(ID, o);
        return new Backend() {
            @Override public String id() { return ID; }
            @Override public String device() { return "simulated device (" + slots + " streams, " + chunk + " elements per chunk)"; }
            @Override public boolean supports(Op op, DType dtype) { return true; }
            @Override public long breakEvenElements(Op op, DType dtype) { return 0; }

            @Override
            public Timings execute(Op op, Batch batch) throws BackendFailure {
                batch.requireShape(op);
                return pipeline.run(new ChunkPlan(batch.length(), chunk, slots), new SimulatedEngine(slots, chunk), op, batch);
            }

            @Override
            public Map<String, String> describe() {
                return new LinkedHashMap<>(Map.of("device", device()));
            }

            @Override
            public void close() {
            }
        };
    }
}
