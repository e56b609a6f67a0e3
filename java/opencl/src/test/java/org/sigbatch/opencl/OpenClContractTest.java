package org.sigbatch.opencl;

import java.util.Map;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.testing.BackendContract;

/**
 * The backend contract on OpenCL (PoCL in CI, where it is required). Evaluator cycles: 200, because
 * each open creates a context, two queues and the program (from the binary cache); the native-object
 * count must return to its baseline after every one.
 */
class OpenClContractTest extends BackendContract {
    @Override
    protected String backend() {
        return OpenClBackend.ID;
    }

    @Override
    protected void requireHardware() {
        OpenClTesting.require();
    }

    @Override
    protected Map<String, String> smallChunks() {
        return Map.of("opencl.maxChunkBytes", "4096");
    }

    @Override
    protected int chunkElements(DType t) {
        return 4096 / t.bytes();
    }

    @Override
    protected boolean supports(DType t) {
        try (OpenClBackend b = OpenClBackend.open(Map.of())) {
            return b.supports(Op.SIGMOID, t);
        }
    }

    @Override
    protected long liveNativeObjects() {
        return OpenClBackend.liveNativeObjects();
    }

    /** PoCL on a shared CPU: random calls up to 300,000 elements keep the 200 tries under half a minute. */
    @Override
    protected int propertyMaxLength() {
        return 300_000;
    }

    @Override
    protected int evaluatorCycles() {
        return 200;
    }
}
