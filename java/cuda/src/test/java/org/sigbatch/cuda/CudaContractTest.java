package org.sigbatch.cuda;

import java.util.Map;
import org.sigbatch.DType;
import org.sigbatch.testing.BackendContract;

/**
 * The backend contract on CUDA: skipped visibly without a GPU, required under
 * {@code -Dsigbatch.require=cuda}. Evaluator cycles: 100 (each retains the primary context and loads
 * the module).
 */
class CudaContractTest extends BackendContract {
    @Override
    protected String backend() {
        return "cuda";
    }

    @Override
    protected void requireHardware() {
        Toolchain.backendOrSkip(Map.of()).close();
    }

    @Override
    protected Map<String, String> smallChunks() {
        return Map.of("cuda.chunkElements", "1000", "cuda.streams", "2");
    }

    @Override
    protected int chunkElements(DType t) {
        return 1000;
    }

    @Override
    protected int evaluatorCycles() {
        return 100;
    }
}
