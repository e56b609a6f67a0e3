package org.sigbatch.spark;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.cpu.CpuBackendProvider;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/**
 * Test-only stand-in for the CUDA backend (id {@code cuda}), so the Spark module's GPU paths run
 * without a GPU: device N opens only if the system property {@value #DEVICES} lists it (e.g.
 * {@code "0,1"}); otherwise opening fails as a missing GPU does. It computes on the CPU engine, so
 * its results are bit-identical to the CPU's. The backend option {@value #FAIL_AFTER} makes a call fail
 * after that many elements, as a lost device would (the facade then completes the call on the CPU).
 * To be replaced by core's simulated backend (test jar) when that lands.
 */
public final class FakeCudaProvider implements BackendProvider {
    static final String DEVICES = "sigbatch.test.fakeCudaDevices";
    /** Backend option: each call fails after this many elements. */
    static final String FAIL_AFTER = "fake.failAfter";

    @Override
    public String id() {
        return "cuda";
    }

    @Override
    public int rank() {
        return 20;
    }

    @Override
    public Backend open(Map<String, String> options) {
        String dev = options.getOrDefault("cuda.device", "0");
        List<String> present = Arrays.asList(System.getProperty(DEVICES, "").split(","));
        if (!present.contains(dev)) {
            throw new BackendUnavailableException("cuda", "simulated: device " + dev + " cannot open (present: " + present + ")");
        }
        Backend cpu = new CpuBackendProvider().open(options);
        long failAfter = Long.parseLong(options.getOrDefault(FAIL_AFTER, "-1"));
        return new Backend() {
            @Override public String id() { return "cuda"; }
            @Override public String device() { return "cuda:" + dev + " simulated"; }
            @Override public boolean supports(Op op, DType dtype) { return true; }
            @Override public long breakEvenElements(Op op, DType dtype) { return 0; }
            @Override public Map<String, String> describe() { return new LinkedHashMap<>(Map.of("device", device())); }
            @Override public void close() { cpu.close(); }

            @Override
            public Timings execute(Op op, Batch batch) throws BackendFailure {
                if (failAfter >= 0 && batch.length() > failAfter) {
                    cpu.execute(op, batch.slice(0, (int) failAfter));
                    throw new BackendFailure("simulated: device lost", failAfter, null);
                }
                return cpu.execute(op, batch);
            }
        };
    }
}
