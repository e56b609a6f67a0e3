package org.sigbatch.spi.stream;

import org.sigbatch.Op;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;
import org.sigbatch.spi.Options;
import org.sigbatch.spi.Timings;

/**
 * Runs a {@link ChunkPlan}'s schedule on a {@link StagingEngine}, keeping count of the final
 * elements, for one backend. Failure injection for tests is the same option for every backend:
 * {@code <backend>.inject.failAtChunk=k} makes the KERNEL step of chunk {@code k} fail as a device
 * error would.
 */
public final class Pipeline {
    private final String backend;
    private final int failAtChunk;

    /** @param failAtChunk chunk whose kernel step fails on purpose (tests), or -1 */
    public Pipeline(String backend, int failAtChunk) {
        this.backend = backend;
        this.failAtChunk = failAtChunk;
    }

    /** The pipeline of {@code backend}, with {@link #injectionKey(String)} read from the options. */
    public static Pipeline of(String backend, Options options) {
        return new Pipeline(backend, options.intValue(injectionKey(backend), -1, -1, Integer.MAX_VALUE));
    }

    /** {@code <backend>.inject.failAtChunk}. */
    public static String injectionKey(String backend) {
        return backend + ".inject.failAtChunk";
    }

    /** The injected chunk, or -1. */
    public int failAtChunk() {
        return failAtChunk;
    }

    /** Thrown by failure injection, as a device error would be; a backend stays usable after it. */
    public static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InjectedFailure(String m) {
            super(m);
        }
    }

    /** The failure injection would throw for a call on device-resident data (which has no chunks: it is chunk 0). */
    public void injectOnDevice() {
        if (failAtChunk == 0) {
            throw new InjectedFailure("injected failure on device-resident data (" + injectionKey(backend) + "=0)");
        }
    }

    /**
     * Evaluates the batch chunk by chunk.
     *
     * @throws BackendFailure on a device error; {@code completed()} counts the drained chunks' elements
     */
    public Timings run(ChunkPlan plan, StagingEngine engine, Op op, Batch batch) throws BackendFailure {
        int drained = 0;
        for (ChunkPlan.Step s : plan.schedule()) {
            try {
                switch (s.kind()) {
                    case FILL -> engine.fill(s.slot(), op, batch, s.start(), s.length());
                    case H2D -> engine.h2d(s.slot(), op, batch, s.length());
                    case KERNEL -> {
                        if (s.chunk() == failAtChunk) {
                            throw new InjectedFailure("injected failure at chunk " + s.chunk() + " (" + injectionKey(backend) + ")");
                        }
                        engine.kernel(s.slot(), op, batch, s.length());
                    }
                    case D2H -> engine.d2h(s.slot(), op, batch, s.length());
                    case AWAIT -> engine.await(s.slot());
                    case DRAIN -> {
                        if (s.chunk() != drained) {
                            throw new IllegalStateException("schedule drains chunk " + s.chunk() + " before chunk " + drained);
                        }
                        engine.drain(s.slot(), op, batch, s.start(), s.length());
                        drained++;
                    }
                }
            } catch (RuntimeException e) {
                engine.abandon();
                long done = plan.completedAfter(drained);
                throw new BackendFailure(backend + " failed at " + s + " of " + plan.chunks() + " chunk(s) (" + done + " of "
                        + plan.length() + " elements done): " + e.getMessage(), done, e);
            }
        }
        return engine.takeTimings();
    }

    /**
     * The order in which a chunk's outputs are copied out: an output that is also an input (in-place)
     * goes last, so until the chunk is fully written its inputs are intact.
     */
    public static int[] drainOrder(Batch batch) {
        int n = batch.outputs().size();
        int[] order = new int[n];
        int k = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < n; j++) {
                boolean aliased = aliasesInput(batch, batch.out(j));
                if (aliased == (pass == 1)) {
                    order[k++] = j;
                }
            }
        }
        return order;
    }

    private static boolean aliasesInput(Batch batch, Operand out) {
        for (Operand in : batch.inputs()) {
            if (out.overlaps(in)) {
                return true;
            }
        }
        return false;
    }
}
