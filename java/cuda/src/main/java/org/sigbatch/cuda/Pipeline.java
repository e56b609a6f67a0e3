package org.sigbatch.cuda;

import org.sigbatch.Op;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Operand;
import org.sigbatch.spi.Timings;

/** Runs a {@link ChunkPlan}'s schedule on a {@link StagingEngine}, keeping count of the final elements. */
final class Pipeline {
    private Pipeline() {
    }

    /** Thrown by failure injection ({@code cuda.inject.failAtChunk}), as a device error would be. */
    static final class InjectedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InjectedFailure(String m) {
            super(m);
        }
    }

    /**
     * Evaluates the batch chunk by chunk.
     *
     * @param failAtChunk chunk whose kernel step fails on purpose (tests), or -1
     * @throws BackendFailure on a device error; {@code completed()} counts the drained chunks' elements
     */
    static Timings run(ChunkPlan plan, StagingEngine engine, Op op, Batch batch, int failAtChunk) throws BackendFailure {
        int drained = 0;
        for (ChunkPlan.Step s : plan.schedule()) {
            try {
                switch (s.kind()) {
                    case FILL -> engine.fill(s.slot(), op, batch, s.start(), s.length());
                    case H2D -> engine.h2d(s.slot(), op, batch, s.length());
                    case KERNEL -> {
                        if (s.chunk() == failAtChunk) {
                            throw new InjectedFailure("injected failure at chunk " + s.chunk() + " (cuda.inject.failAtChunk)");
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
                throw new BackendFailure("cuda failed at " + s + " of " + plan.chunks() + " chunk(s) (" + done + " of "
                        + plan.length() + " elements done): " + e.getMessage(), done, e);
            }
        }
        return engine.takeTimings();
    }

    /**
     * The order in which a chunk's outputs are copied out: an output that is also an input (in-place)
     * goes last, so until the chunk is fully written its inputs are intact.
     */
    static int[] drainOrder(Batch batch) {
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
