package org.sigbatch.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.sigbatch.DType;
import org.sigbatch.Operand;
import org.sigbatch.DeviceArray;

/**
 * The open device arrays of one backend, as Apache Arrow's allocators keep them: every
 * {@link AbstractDeviceArray} registers here with the place it was allocated, closing it
 * unregisters it, and {@link #close()} frees whatever is still open and reports it (a leak fails
 * tests). Also answers whether a batch's device operands belong to this backend.
 */
public final class DeviceMemory {
    private final String backend;
    private final Map<AbstractDeviceArray, Boolean> open = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong hostPieces = new AtomicLong();
    private final AtomicLong hostBytes = new AtomicLong();
    private volatile boolean closed;

    public DeviceMemory(String backend) {
        this.backend = backend;
    }

    /** Id of the backend whose arrays these are. */
    public String backend() {
        return backend;
    }

    /** Checks an allocation request before any native memory is taken. */
    public void checkAllocation(DType dtype, int length) {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        if (closed) {
            throw new IllegalStateException("the " + backend + " backend is closed");
        }
    }

    long register(AbstractDeviceArray a) {
        open.put(a, Boolean.TRUE);
        return ids.incrementAndGet();
    }

    void unregister(AbstractDeviceArray a) {
        open.remove(a);
    }

    /** Device arrays allocated and not yet closed. */
    public int openArrays() {
        return open.size();
    }

    /** Counts host memory registered for DMA for a call (see {@code DirectHost}). */
    public void hostRegistered(long bytes) {
        hostPieces.incrementAndGet();
        hostBytes.addAndGet(bytes);
    }

    public void hostUnregistered(long bytes) {
        hostPieces.decrementAndGet();
        hostBytes.addAndGet(-bytes);
    }

    /** Pieces of host memory registered now; 0 between calls. */
    public long hostRegistrations() {
        return hostPieces.get();
    }

    /** Bytes of host memory registered now; 0 between calls. */
    public long hostRegisteredBytes() {
        return hostBytes.get();
    }

    /**
     * Frees every array still open and returns their descriptions (dtype, length, id, where each was
     * allocated), oldest first; later allocations are refused.
     */
    public List<String> close() {
        closed = true;
        List<AbstractDeviceArray> left = new ArrayList<>(open.keySet());
        left.sort(Comparator.comparingLong(AbstractDeviceArray::id));
        List<String> leaked = new ArrayList<>();
        Closer c = new Closer();
        for (AbstractDeviceArray a : left) {
            leaked.add(a.toString());
            c.run(a::close);
        }
        c.rethrow();
        return leaked;
    }

    /** The exception a backend (or the facade) throws after closing with arrays still open. */
    public static IllegalStateException leak(String who, List<String> leaked) {
        return new IllegalStateException(who + " closed with " + leaked.size() + " device array(s) still open (freed now): " + leaked);
    }

    /**
     * True if every operand of the batch is a device array of this memory, false if none is a device
     * array; a mix, or a device array of another backend, is rejected.
     */
    public boolean owns(Batch batch) {
        if (batch.deviceBackend() == null) {
            return false;
        }
        for (Operand o : batch.operands()) {
            DeviceArray a = ((Operand.Device) o).array();
            if (!(a instanceof AbstractDeviceArray d) || d.memory() != this) {
                throw new IllegalArgumentException("device array " + a + " does not belong to this " + backend + " backend");
            }
        }
        return true;
    }
}
