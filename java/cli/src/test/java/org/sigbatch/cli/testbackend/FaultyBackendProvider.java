package org.sigbatch.cli.testbackend;

import java.util.Map;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;
import org.sigbatch.spi.Timings;

/**
 * A test-only backend that is wrong on purpose, to drive the CLI's verification-failure (exit 4) and
 * fallback paths. Unavailable unless a test passes {@code -o faulty.mode=wrong} (every output 0.125)
 * or {@code -o faulty.mode=fail} (fails at once: the CPU computes the batch).
 */
public final class FaultyBackendProvider implements BackendProvider {
    public static final String ID = "faulty-test";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public int rank() {
        return 1000; // preferred by AUTO when enabled
    }

    @Override
    public Backend open(Map<String, String> options) {
        String mode = options.get("faulty.mode");
        if (mode == null) {
            throw new BackendUnavailableException(ID, "test-only backend, enabled with -o faulty.mode=wrong|fail");
        }
        return new Backend() {
            @Override
            public String id() {
                return ID;
            }

            @Override
            public String device() {
                return "faulty test device (" + mode + ")";
            }

            @Override
            public boolean supports(Op op, DType dtype) {
                return true;
            }

            @Override
            public long breakEvenElements(Op op, DType dtype) {
                return 0;
            }

            @Override
            public Timings execute(Op op, Batch batch) throws BackendFailure {
                if (mode.equals("fail")) {
                    throw new BackendFailure("simulated device loss", 0, null);
                }
                for (Operand o : batch.outputs()) {
                    for (int i = 0; i < batch.length(); i++) {
                        o.set(i, 0.125);
                    }
                }
                return new Timings(1000, 2000);
            }

            @Override
            public Map<String, String> describe() {
                return Map.of("mode", mode);
            }

            @Override
            public void close() {
            }
        };
    }
}
