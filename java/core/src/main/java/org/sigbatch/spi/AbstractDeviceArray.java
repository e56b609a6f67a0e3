package org.sigbatch.spi;

import java.util.concurrent.atomic.AtomicBoolean;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.internal.Checks;

/**
 * What every backend's device array shares: dtype, length, the closed state, the range and type
 * checks of {@link #read}/{@link #write}, and registration with the backend's {@link DeviceMemory}
 * (with the caller that allocated it, for leak reports). A backend implements the copies and the
 * release of its memory, nothing else.
 */
public abstract class AbstractDeviceArray implements DeviceArray {
    private final DeviceMemory memory;
    private final DType dtype;
    private final int length;
    private final long id;
    private final String site;
    private final AtomicBoolean closed = new AtomicBoolean();

    protected AbstractDeviceArray(DeviceMemory memory, DType dtype, int length) {
        this.memory = memory;
        this.dtype = dtype;
        this.length = length;
        this.site = AllocationSite.caller();
        this.id = memory.register(this);
    }

    /**
     * Copies {@code len} elements (at least one) between the host array {@code host} (a
     * {@code float[]} for float32, a {@code double[]} for float64, a {@code short[]} for float16 and
     * bfloat16), from index {@code hostOff}, and
     * this array's elements from {@code index}. Arguments are checked and the array is open.
     */
    protected abstract void copyIn(int index, Object host, int hostOff, int len);

    protected abstract void copyOut(int index, Object host, int hostOff, int len);

    /** Frees the device memory; called once, by the first {@link #close()}. */
    protected abstract void release();

    @Override public final DType dtype() { return dtype; }
    @Override public final int length() { return length; }
    @Override public final String backend() { return memory.backend(); }
    @Override public final boolean isClosed() { return closed.get(); }

    public final DeviceMemory memory() {
        return memory;
    }

    /** Number of this allocation in its backend, from 1. */
    public final long id() {
        return id;
    }

    /** Where the array was allocated: {@code Class.method:line} of the first caller outside sigbatch's facade and backends. */
    public final String allocationSite() {
        return site;
    }

    /** Throws IllegalStateException if closed. */
    protected final void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    @Override public final void write(int index, float[] src, int srcOff, int len) { copy(true, DType.F32, index, src, srcOff, len); }
    @Override public final void write(int index, double[] src, int srcOff, int len) { copy(true, DType.F64, index, src, srcOff, len); }
    @Override public final void read(int index, float[] dst, int dstOff, int len) { copy(false, DType.F32, index, dst, dstOff, len); }
    @Override public final void read(int index, double[] dst, int dstOff, int len) { copy(false, DType.F64, index, dst, dstOff, len); }
    @Override public final void write(int index, short[] src, int srcOff, int len) { copy(true, null, index, src, srcOff, len); }
    @Override public final void read(int index, short[] dst, int dstOff, int len) { copy(false, null, index, dst, dstOff, len); }

    private void copy(boolean in, DType want, int index, Object host, int hostOff, int len) {
        ensureOpen();
        if (want == null ? !dtype.isHalf() : dtype != want) { // null: a short[], either 16-bit format
            throw new IllegalArgumentException(this + " holds " + dtype + ", not " + (want == null ? "float16 or bfloat16 (short[])" : want));
        }
        Checks.notNull(host, in ? "src" : "dst");
        Checks.window(this, length, index, len);
        Checks.window(in ? "src" : "dst", java.lang.reflect.Array.getLength(host), hostOff, len);
        if (len == 0) {
            return;
        }
        if (in) {
            copyIn(index, host, hostOff, len);
        } else {
            copyOut(index, host, hostOff, len);
        }
    }

    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            memory.unregister(this);
            release();
        }
    }

    @Override
    public String toString() {
        return memory.backend() + " array #" + id + " [" + dtype + " x" + length + ", allocated at " + site + "]";
    }
}
