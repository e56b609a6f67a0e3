package org.sigbatch.spi;

import java.util.Map;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;

/**
 * An opened backend. Implementations must be safe to call from several threads at once.
 *
 * <p>Contract for {@link #execute}: elements are written to the outputs in index order, each only
 * once its value is final, so that after a failure the elements {@code [0, completed)} reported by
 * {@link BackendFailure#completed()} are correct and the rest can be recomputed from the inputs, even
 * when an output aliases an input (in-place calls).
 */
public interface Backend extends AutoCloseable {
    String id();

    /** Human-readable device name for provenance and reports. */
    String device();

    boolean supports(Op op, DType dtype);

    /** {@link #breakEvenElements} of a backend that AUTO measures ({@code CostModel}, probed at first use). */
    long CALIBRATE = -1;

    /**
     * How AUTO decides for host-resident data: {@link #CALIBRATE} to compare this backend's measured
     * cost line with the CPU's (see {@code org.sigbatch.spi.CostModel}), or a fixed batch size from
     * which this backend is taken (e.g. an option set by the user, {@code Long.MAX_VALUE}: never).
     * The CPU backend returns 0.
     */
    long breakEvenElements(Op op, DType dtype);

    /**
     * Evaluates {@code op} over the batch.
     *
     * @return timings for the call, {@link Timings#NONE} if the backend does not split them
     * @throws BackendFailure if the device failed mid-call; the facade then completes the batch on the CPU
     */
    Timings execute(Op op, Batch batch) throws BackendFailure;

    /**
     * Blocks until this backend runs at full speed (the CPU: JIT-compiled SIMD kernels; a GPU backend:
     * whatever its first calls would otherwise pay). Calls made before are correct, only slower.
     */
    default void warmUp() {
    }

    /** Whether calls of {@code dtype} run at full speed now (after {@link #warmUp()} returns, normally true). */
    default boolean isWarm(DType dtype) {
        return true;
    }

    /** Allocates an array in this backend's memory. */
    default DeviceArray allocate(DType dtype, int length) {
        throw new UnsupportedOperationException(id() + " does not support device arrays");
    }

    /** Facts for {@code sigbatch devices}: name, memory, compute units, driver, ... in display order. */
    Map<String, String> describe();

    /** Releases native resources. Throws {@link IllegalStateException} if device arrays are still open. */
    @Override
    void close();
}
