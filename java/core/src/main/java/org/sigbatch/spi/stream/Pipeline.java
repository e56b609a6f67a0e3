package org.sigbatch.spi.stream;

import org.sigbatch.Op;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;
import org.sigbatch.spi.Options;
import org.sigbatch.spi.Timings;

/**
 * Runs a {@link ChunkPlan}'s schedule on a {@link StagingEngine}, keeping count of the final
 * elements, for one backend. Options, the same for every backend:
 * <ul>
 * <li>{@code <backend>.stagingThreads}: threads that fill and drain the staging buffers (default
 * min(cores, 8)), see {@link StagingCopier};
 * <li>{@code <backend>.registerMinBytes}: direct buffers of at least this size are registered for DMA
 * for the call instead of staged, where the engine can ({@link DirectHost}; default 8 MiB, -1: never);
 * <li>{@code <backend>.inject.failAtChunk=k} (tests): the KERNEL step of chunk {@code k} fails as a
 * device error would.
 * </ul>
 */
public final class Pipeline {
    /** Registering pins pages (a system call per piece); below this a staging copy is cheaper. */
    public static final long DEFAULT_REGISTER_MIN_BYTES = 8L << 20;

    private final String backend;
    private final int failAtChunk;
    private final StagingCopier copier;
    private final long directMinBytes;
    private final long directMaxPieceBytes;

    /** @param failAtChunk chunk whose kernel step fails on purpose (tests), or -1 */
    public Pipeline(String backend, int failAtChunk) {
        this(backend, failAtChunk, StagingCopier.defaultThreads(), DEFAULT_REGISTER_MIN_BYTES, DirectHost.MAX_PIECE_BYTES);
    }

    /**
     * @param stagingThreads      threads per host copy, the caller included
     * @param directMinBytes      smallest direct buffer registered for DMA, or -1 for none
     * @param directMaxPieceBytes largest piece registered at once
     */
    public Pipeline(String backend, int failAtChunk, int stagingThreads, long directMinBytes, long directMaxPieceBytes) {
        this.backend = backend;
        this.failAtChunk = failAtChunk;
        this.copier = new StagingCopier(stagingThreads);
        this.directMinBytes = directMinBytes;
        this.directMaxPieceBytes = directMaxPieceBytes;
    }

    /** The pipeline of {@code backend}, with its options (see above) read from {@code options}. */
    public static Pipeline of(String backend, Options options) {
        return new Pipeline(backend, options.intValue(injectionKey(backend), -1, -1, Integer.MAX_VALUE),
                options.intValue(StagingCopier.threadsKey(backend), StagingCopier.defaultThreads(), 1, StagingCopier.MAX_THREADS),
                options.longValue(registerKey(backend), DEFAULT_REGISTER_MIN_BYTES, -1), DirectHost.MAX_PIECE_BYTES);
    }

    /** {@code <backend>.inject.failAtChunk}. */
    public static String injectionKey(String backend) {
        return backend + ".inject.failAtChunk";
    }

    /** {@code <backend>.registerMinBytes}. */
    public static String registerKey(String backend) {
        return backend + ".registerMinBytes";
    }

    public StagingCopier copier() {
        return copier;
    }

    public long directMinBytes() {
        return directMinBytes;
    }

    public long directMaxPieceBytes() {
        return directMaxPieceBytes;
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
        try {
            try {
                engine.begin(this, plan, op, batch);
            } catch (RuntimeException e) {
                throw new BackendFailure(backend + " could not set up the call: " + e.getMessage(), 0, e);
            }
            return steps(plan, engine, op, batch);
        } finally {
            engine.end();
        }
    }

    private Timings steps(ChunkPlan plan, StagingEngine engine, Op op, Batch batch) throws BackendFailure {
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
