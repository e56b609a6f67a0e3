package org.sigbatch.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.spi.AbstractDeviceArray;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.spi.Options;
import org.sigbatch.spi.Timings;
import org.sigbatch.spi.stream.ChunkPlan;
import org.sigbatch.spi.stream.Pipeline;

/**
 * The {@code sim} backend: host data streams through the shared {@link Pipeline} over a
 * {@link SimulatedEngine}; device arrays are heap arrays tracked by a {@link DeviceMemory}, and calls
 * on them compute the reference in place. Slow (element by element) and exact: for tests only.
 */
final class SimulatedBackend implements Backend {
    private final int chunk;
    private final int slots;
    private final Pipeline pipeline;
    private final DeviceMemory memory = new DeviceMemory(SimulatedBackendProvider.ID);

    SimulatedBackend(Options o) {
        this.chunk = o.intValue("sim.chunkElements", 1000, 1, Integer.MAX_VALUE);
        this.slots = o.intValue("sim.streams", 2, 1, 64);
        this.pipeline = Pipeline.of(SimulatedBackendProvider.ID, o);
    }

    @Override public String id() { return SimulatedBackendProvider.ID; }
    @Override public String device() { return "simulated device (" + slots + " streams, " + chunk + " elements per chunk)"; }
    @Override public boolean supports(Op op, DType dtype) { return true; }
    @Override public long breakEvenElements(Op op, DType dtype) { return 0; }

    @Override
    public Timings execute(Op op, Batch batch) throws BackendFailure {
        batch.requireShape(op);
        if (memory.owns(batch)) {
            try {
                pipeline.injectOnDevice();
            } catch (Pipeline.InjectedFailure e) {
                throw new BackendFailure(e.getMessage(), 0, e);
            }
            computeInPlace(op, batch);
            return new Timings(0, 1);
        }
        return pipeline.run(new ChunkPlan(batch.length(), chunk, slots), new SimulatedEngine(slots, chunk, memory), op, batch);
    }

    /** Element by element; every input is read before any output of that element is written (in-place safe). */
    private static void computeInPlace(Op op, Batch b) {
        double[] out = new double[op.outputs()];
        for (int i = 0; i < b.length(); i++) {
            double x = b.in(0).get(i);
            double g = op.inputs() > 1 ? b.in(1).get(i) : 0;
            for (int k = 0; k < out.length; k++) {
                out[k] = SimulatedEngine.reference(op, k, b.dtype(), x, g);
            }
            for (int k = 0; k < out.length; k++) {
                b.out(k).set(i, out[k]);
            }
        }
    }

    DeviceMemory memory() {
        return memory;
    }

    @Override
    public DeviceArray allocate(DType dtype, int length) {
        memory.checkAllocation(dtype, length);
        return new SimArray(memory, dtype, length);
    }

    @Override
    public Map<String, String> describe() {
        return new LinkedHashMap<>(Map.of("device", device()));
    }

    @Override
    public void close() {
        List<String> leaked = memory.close();
        if (!leaked.isEmpty()) {
            throw DeviceMemory.leak("sim backend", leaked);
        }
    }

    /** "Device" memory of the simulated backend. */
    private static final class SimArray extends AbstractDeviceArray {
        private final Object storage;

        SimArray(DeviceMemory memory, DType dtype, int length) {
            super(memory, dtype, length);
            storage = dtype == DType.F32 ? new float[length] : dtype.isHalf() ? new short[length] : new double[length];
        }

        @Override protected void copyIn(int index, Object host, int hostOff, int len) { System.arraycopy(host, hostOff, storage, index, len); }
        @Override protected void copyOut(int index, Object host, int hostOff, int len) { System.arraycopy(storage, index, host, hostOff, len); }
        @Override protected void release() { }
    }
}
