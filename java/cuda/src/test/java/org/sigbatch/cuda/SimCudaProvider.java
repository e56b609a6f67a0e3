package org.sigbatch.cuda;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/**
 * Test-only backend "cuda-sim": the CUDA backend's chunk planner and pipeline over the simulated
 * device of {@link PipelineSimTest}, so the facade's mid-call fallback can be exercised without a GPU.
 * Unavailable unless the system property {@code sigbatch.test.cudaSim} is true (set by
 * {@link FacadeFallbackTest} only).
 */
public final class SimCudaProvider implements BackendProvider {
    static final String ENABLE = "sigbatch.test.cudaSim";

    @Override
    public String id() {
        return "cuda-sim";
    }

    @Override
    public int rank() {
        return 19;
    }

    @Override
    public Backend open(Map<String, String> options) {
        if (!Boolean.getBoolean(ENABLE)) {
            throw new BackendUnavailableException("cuda-sim", "test-only provider, enabled by -D" + ENABLE + "=true");
        }
        int chunk = ChunkPlan.intOption(options, "cuda.chunkElements", 1000, 1, Integer.MAX_VALUE);
        int slots = ChunkPlan.intOption(options, "cuda.streams", 2, 1, 64);
        int failAt = ChunkPlan.intOption(options, "cuda.inject.failAtChunk", -1, -1, Integer.MAX_VALUE);
        return new Backend() {
            @Override public String id() { return "cuda-sim"; }
            @Override public String device() { return "simulated CUDA pipeline"; }
            @Override public boolean supports(Op op, DType dtype) { return true; }
            @Override public long breakEvenElements(Op op, DType dtype) { return 0; }

            @Override
            public Timings execute(Op op, Batch batch) throws BackendFailure {
                batch.requireShape(op);
                return Pipeline.run(new ChunkPlan(batch.length(), chunk, slots), new PipelineSimTest.SimEngine(slots, chunk), op, batch, failAt);
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
