package org.sigbatch.testing;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.reference.HalfFormat;
import org.sigbatch.reference.OpReference;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.spi.stream.ChunkPlan;
import org.sigbatch.spi.stream.Pipeline;
import org.sigbatch.spi.stream.AbstractStagingEngine;
import org.sigbatch.spi.stream.DirectHost;

/**
 * A device in plain Java for the shared {@link Pipeline}: staging buffers are direct ByteBuffers,
 * device memory is {@code double[]}, and the "kernel" is the CPU reference. It checks that outputs
 * are drained in index order, can count how often each element is written, records the drains, and
 * can fail at the k-th call of a chosen kind of step, as a device error would. With a {@link
 * DeviceMemory} it also "registers" direct buffers for DMA as CUDA does (counted there; the k-th
 * registration can be refused) and then copies straight from and to them, checking that every
 * chunk lies inside one registered piece. Chunk c's copies run over [10c, 10c+15) and its kernel over
 * [10c+5, 10c+12) of a virtual clock: overlapping streams, for the timings' interval unions.
 */
public final class SimulatedEngine extends AbstractStagingEngine {
    private final ByteBuffer[][] pinned;
    private final double[][][] device;
    private final List<String> log = new ArrayList<>();
    private ChunkPlan.Kind failKind;
    private int failAtCall = -1;
    private int calls;
    private long lastDrainEnd;
    private int[] writes;
    private final DeviceMemory memory;
    private int refuseRegistration = -1;
    private int registrations;
    private int awaited;
    private long directCopies;
    private final java.util.Set<Registration> live = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    /** A registered range of a direct buffer. */
    private record Registration(Buffer buffer, long byteOffset, long bytes) {
    }

    public SimulatedEngine(int slots, int chunk) {
        this(slots, chunk, null);
    }

    /** @param memory where registrations of host memory are counted, or null: no registration, everything staged */
    public SimulatedEngine(int slots, int chunk, DeviceMemory memory) {
        this.memory = memory;
        pinned = new ByteBuffer[slots][2];
        device = new double[slots][2][chunk];
        for (int s = 0; s < slots; s++) {
            for (int b = 0; b < 2; b++) {
                pinned[s][b] = ByteBuffer.allocateDirect(chunk * 8).order(ByteOrder.nativeOrder());
            }
        }
    }

    /** Makes the {@code call}-th step of {@code kind} (counted from 0) throw. */
    public void failAt(ChunkPlan.Kind kind, int call) {
        this.failKind = kind;
        this.failAtCall = call;
    }

    /** Makes the {@code k}-th registration of host memory (counted from 0) fail, as a driver refusing it would. */
    public void refuseRegistration(int k) {
        refuseRegistration = k;
    }

    /** Chunk copies (per operand) that went straight from or to registered caller memory. */
    public long directCopies() {
        return directCopies;
    }

    @Override
    protected DirectHost.Registrar registrar() {
        if (memory == null) {
            return null;
        }
        return new DirectHost.Registrar() {
            @Override
            public Object register(Buffer buffer, long byteOffset, long bytes) {
                if (registrations++ == refuseRegistration) {
                    throw new IllegalStateException("simulated CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED");
                }
                Registration r = new Registration(buffer, byteOffset, bytes);
                live.add(r);
                return r;
            }

            @Override
            public void unregister(Object handle) {
                if (!live.remove((Registration) handle)) {
                    throw new AssertionError("unregistered twice or never registered: " + handle);
                }
            }

            @Override
            public DeviceMemory memory() {
                return memory;
            }
        };
    }

    /** Element index in the registered buffer where operand k's chunk starting at {@code start} begins; checks it fits the piece. */
    private long directIndex(int k, long start, int len, int eb) {
        DirectHost.Piece p = direct().piece(k, start);
        Registration r = (Registration) p.handle();
        long off = direct().offsetInPiece(k, start);
        if (off < 0 || off + (long) len * eb > r.bytes()) {
            throw new AssertionError("chunk at " + start + "+" + len + " leaves its registered piece " + p);
        }
        directCopies++;
        return (r.byteOffset() + off) / eb;
    }

    /** Counts the writes of each of the first {@code n} elements (see {@link #writes(int)}). */
    public void countWrites(int n) {
        writes = new int[n];
    }

    public int writes(int element) {
        return writes[element];
    }

    /** "drain start+len" per drained chunk, "abandon" after a failure. */
    public List<String> log() {
        return log;
    }

    private void maybeFail(ChunkPlan.Kind k) {
        if (k == failKind && calls++ == failAtCall) {
            throw new IllegalStateException("simulated CUDA_ERROR_LAUNCH_FAILED at " + k);
        }
    }

    @Override
    protected ByteBuffer inputBuffer(int slot, Op op, int i) {
        return pinned[slot][i];
    }

    @Override
    protected ByteBuffer outputBuffer(int slot, Op op, int j) {
        return pinned[slot][j];
    }

    @Override
    public void fill(int slot, Op op, Batch batch, long start, int len) {
        maybeFail(ChunkPlan.Kind.FILL);
        super.fill(slot, op, batch, start, len);
    }

    @Override
    public void h2d(int slot, Op op, Batch batch, int len) {
        maybeFail(ChunkPlan.Kind.H2D);
        for (int i = 0; i < op.inputs(); i++) {
            if (direct().direct(i)) {
                int eb = batch.dtype().bytes();
                long at = directIndex(i, chunkStart(slot), len, eb);
                Buffer src = (Buffer) batch.in(i).storage();
                for (int k = 0; k < len; k++) {
                    device[slot][i][k] = eb == 4 ? ((FloatBuffer) src).get((int) at + k) : ((DoubleBuffer) src).get((int) at + k);
                }
                continue;
            }
            ByteBuffer b = pinned[slot][i];
            for (int k = 0; k < len; k++) {
                device[slot][i][k] = batch.dtype().isHalf() ? HalfFormat.of(batch.dtype()).toDouble(b.getShort(k * 2))
                        : batch.dtype() == DType.F32 ? b.getFloat(k * 4) : b.getDouble(k * 8);
            }
        }
    }

    @Override
    public void kernel(int slot, Op op, Batch batch, int len) {
        maybeFail(ChunkPlan.Kind.KERNEL);
        double[] a = device[slot][0];
        double[] b = device[slot][1];
        DType t = batch.dtype();
        for (int k = 0; k < len; k++) {
            double x = a[k];
            double g = b[k];
            a[k] = reference(op, 0, t, x, g);
            if (op == Op.FUSED) {
                b[k] = reference(op, 1, t, x, g);
            }
        }
    }

    /** The reference value as the device stores it: rounded once to the dtype. */
    static double reference(Op op, int out, DType t, double x, double g) {
        if (t.isHalf()) {
            HalfFormat f = HalfFormat.of(t);
            return f.toDouble(OpReference.half(op, out, f, f.round(x), f.round(g)));
        }
        return t == DType.F32 ? (float) OpReference.f32(op, out, (float) x, (float) g) : OpReference.f64(op, out, x, g).value();
    }

    @Override
    public void d2h(int slot, Op op, Batch batch, int len) {
        maybeFail(ChunkPlan.Kind.D2H);
        for (int j = 0; j < op.outputs(); j++) {
            if (direct().direct(op.inputs() + j)) {
                int eb = batch.dtype().bytes();
                long at = directIndex(op.inputs() + j, chunkStart(slot), len, eb);
                Buffer dst = (Buffer) batch.out(j).storage();
                for (int k = 0; k < len; k++) {
                    if (eb == 4) {
                        ((FloatBuffer) dst).put((int) at + k, (float) device[slot][j][k]);
                    } else {
                        ((DoubleBuffer) dst).put((int) at + k, device[slot][j][k]);
                    }
                }
                continue;
            }
            ByteBuffer p = pinned[slot][j];
            for (int k = 0; k < len; k++) {
                if (batch.dtype().isHalf()) {
                    p.putShort(k * 2, HalfFormat.of(batch.dtype()).round(device[slot][j][k]));
                } else if (batch.dtype() == DType.F32) {
                    p.putFloat(k * 4, (float) device[slot][j][k]);
                } else {
                    p.putDouble(k * 8, device[slot][j][k]);
                }
            }
        }
    }

    @Override
    public void await(int slot) {
        maybeFail(ChunkPlan.Kind.AWAIT);
        long c = awaited++;
        bookTransfer(10 * c, 10 * c + 15);
        bookKernel(10 * c + 5, 10 * c + 12);
    }

    @Override
    public void drain(int slot, Op op, Batch batch, long start, int len) {
        maybeFail(ChunkPlan.Kind.DRAIN);
        if (start != lastDrainEnd) {
            throw new AssertionError("outputs must be written in index order, chunk after chunk: drain at " + start + ", expected " + lastDrainEnd);
        }
        lastDrainEnd = start + len;
        super.drain(slot, op, batch, start, len);
        if (writes != null) {
            for (long i = start; i < start + len; i++) {
                writes[(int) i]++;
            }
        }
        log.add("drain " + start + "+" + len);
    }

    @Override
    public void abandon() {
        log.add("abandon");
        resetTimings();
    }
}
