package org.sigbatch.opencl;

import static org.jocl.CL.*;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_mem;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.Operand;
import org.sigbatch.spi.Options;
import org.sigbatch.spi.Timings;
import org.sigbatch.spi.stream.ChunkPlan;
import org.sigbatch.spi.stream.Pipeline;

/**
 * The OpenCL backend: one context and device, two in-order command queues, one program built once
 * (binary cached on disk), device buffers reused across calls.
 *
 * <p>Host data streams through in chunks of at most {@code opencl.maxChunkBytes} per operand on the
 * shared {@link Pipeline} ({@link OpenClStaging}: two queues, double buffered): while the device works
 * on one chunk, the host stages the next chunk's inputs and drains the previous chunk's outputs.
 * Outputs reach the caller chunk by chunk in index order, so after a device error the elements before
 * the failed chunk are final ({@link BackendFailure#completed()}), in-place calls included. Tests
 * inject a failure with {@code opencl.inject.failAtChunk}.
 *
 * <p>Calls are serialised on one lock: the device is one resource, and kernel arguments are state.
 */
public final class OpenClBackend implements Backend {
    static final String ID = "opencl";
    private static final System.Logger LOG = System.getLogger("org.sigbatch.opencl");
    private static final long DEFAULT_CHUNK_BYTES = 32L << 20;
    /** Native objects (contexts, queues, programs, kernels, buffers) created here and not yet released. */
    static final AtomicLong LIVE = new AtomicLong();

    private final Object lock = new Object();
    private final ClDevice dev;
    private final Options options;
    /** Context, queues, program and staging: made on first use ({@link #session()}), null until then and after close. */
    private Session session;
    private final boolean f32FloatOnly;
    private final long chunkBytes;
    private final Pipeline pipeline;
    private final DeviceMemory memory = new DeviceMemory(ID);
    private boolean closed;

    private OpenClBackend(ClDevice dev, Map<String, String> options) {
        this.dev = dev;
        this.options = new Options(options);
        this.chunkBytes = chunkBytes(this.options, dev);
        this.pipeline = Pipeline.of(ID, this.options);
        this.f32FloatOnly = floatOnly(f32KernelChoice(this.options), dev.fp64(), dev.name());
    }

    /**
     * Opens the backend on the device the options name (or the best one). The context and the program
     * are made here only when asked for by name ({@code eager}): an AUTO evaluator makes them on first
     * use, so one that never uses the device (AUTO never sends host data to a CPU device such as PoCL)
     * does not pay 0.02-0.14 s for them at start-up (docs/first-call.md).
     */
    static OpenClBackend open(Map<String, String> options, boolean eager) {
        OpenClBackend b = new OpenClBackend(ClDevice.find(options.get("opencl.platform"), options.get("opencl.device")), options);
        if (eager) {
            synchronized (b.lock) {
                b.session();
            }
        }
        return b;
    }

    static OpenClBackend open(Map<String, String> options) {
        return open(options, true);
    }

    /** What a device needs before a launch; made once, under {@link #lock}. */
    private record Session(cl_context context, cl_command_queue[] queues, OpenClProgram program, OpenClStaging staging) {
    }

    /** The session, made now if this is the first use; BackendUnavailableException if the device cannot be set up. */
    private Session session() {
        if (session != null) {
            return session;
        }
        ensureOpen();
        cl_context ctx = null;
        cl_command_queue[] queues = new cl_command_queue[OpenClStaging.SLOTS];
        OpenClProgram prog = null;
        try {
            ctx = clCreateContext(null, 1, new cl_device_id[] {dev.id()}, null, null, null);
            LIVE.incrementAndGet();
            for (int i = 0; i < OpenClStaging.SLOTS; i++) {
                queues[i] = clCreateCommandQueue(ctx, dev.id(), CL_QUEUE_PROFILING_ENABLE, null);
                LIVE.incrementAndGet();
            }
            prog = new OpenClProgram(ctx, dev, buildOptions(), ProgramCache.defaultDir(options.get("opencl.cache")));
        } catch (CLException e) {
            releaseAll(ctx, queues, prog, null);
            throw new BackendUnavailableException(ID, "setting up " + dev.name() + " failed: " + describe(e), e);
        } catch (RuntimeException e) {
            releaseAll(ctx, queues, prog, null);
            throw e;
        }
        session = new Session(ctx, queues, prog, new OpenClStaging(ctx, queues, prog, chunkBytes));
        return session;
    }

    // ------------------------------------------------------------------ program

    /**
     * opencl.f32kernel = auto | f64inside | floatonly; the older opencl.f32 = auto | double | float is
     * still read (deprecated alias) when opencl.f32kernel is not set.
     */
    static String f32KernelChoice(Options o) {
        if (o.get("opencl.f32kernel") != null || o.get("opencl.f32") == null) {
            return o.choice("opencl.f32kernel", "auto", "auto", "f64inside", "floatonly");
        }
        return switch (o.choice("opencl.f32", "auto", "auto", "float", "double")) {
            case "float" -> "floatonly";
            case "double" -> "f64inside";
            default -> "auto";
        };
    }

    /** The rule: auto takes the float-only kernels where the device has no fp64; f64inside needs fp64. */
    static boolean floatOnly(String choice, boolean fp64, String deviceName) {
        return switch (choice) {
            case "auto" -> !fp64;
            case "floatonly" -> true;
            case "f64inside" -> {
                if (!fp64) {
                    throw new BackendUnavailableException(ID, "opencl.f32kernel=f64inside but " + deviceName + " has no cl_khr_fp64");
                }
                yield false;
            }
            default -> throw new IllegalArgumentException("opencl.f32kernel must be auto, f64inside or floatonly, got '" + choice + "'");
        };
    }

    private String buildOptions() {
        StringBuilder sb = new StringBuilder();
        if (dev.fp64()) {
            sb.append("-DSIGBATCH_FP64");
        }
        if (f32FloatOnly) {
            // sigmoid_float_only.h needs IEEE division (OpenCL's default float division may be off by 2.5 ULP)
            sb.append(sb.isEmpty() ? "" : " ").append("-DSIGBATCH_F32_FLOAT_ONLY -cl-fp32-correctly-rounded-divide-sqrt");
        }
        return sb.toString();
    }

    /** "CL_OUT_OF_RESOURCES (-5)" from an exception thrown by JOCL. */
    static String describe(CLException e) {
        return CL.stringFor_errorCode(e.getStatus()) + " (" + e.getStatus() + ")";
    }

    // ------------------------------------------------------------------ options

    private static long chunkBytes(Options o, ClDevice d) {
        long limit = Math.min(d.maxAllocBytes(), d.globalMemBytes() / 16);
        long v = o.longValue("opencl.maxChunkBytes", DEFAULT_CHUNK_BYTES, 64);
        v = Math.min(v, Math.max(64, limit));
        v = Math.min(v, Integer.MAX_VALUE & ~63L); // a mapped ByteBuffer holds at most 2^31-1 bytes
        return v & ~31L; // whole vectors of doubles
    }

    // ------------------------------------------------------------------ Backend

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String device() {
        return dev.name() + " (" + dev.platformName() + ")";
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return switch (dtype) {
            // float32 results in the subnormal range need denormal support
            case F32 -> dev.f32Denorms();
            case F64 -> dev.fp64();
            case F16, BF16 -> dev.fp64(); // computed in double-double, rounded once
        };
    }

    /**
     * For host data: a CPU device (PoCL) is a slower path to the same cores the Java engine uses,
     * plus copies: never. A GPU is measured against the CPU by AUTO's cost model (docs/cost-model.md).
     */
    @Override
    public long breakEvenElements(Op op, DType dtype) {
        if (dev.isCpu() && !dev.isGpu()) {
            return Long.MAX_VALUE;
        }
        return CALIBRATE;
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("platform", dev.platformName() + " (" + dev.platformVersion() + ")");
        m.put("device", dev.name());
        m.put("type", dev.typeName());
        m.put("vendor", dev.vendor());
        m.put("compute units", Integer.toString(dev.computeUnits()));
        m.put("global memory", mib(dev.globalMemBytes()));
        m.put("max allocation", mib(dev.maxAllocBytes()));
        m.put("OpenCL version", dev.version());
        m.put("driver version", dev.driverVersion());
        m.put("fp64", dev.fp64() ? "yes (cl_khr_fp64)" : "no");
        m.put("float32 kernels", f32FloatOnly ? "floatonly (sigmoid_float_only.h: compensated float arithmetic, no fp64)" : "f64inside (double inside, rounded once)");
        m.put("float64 kernels", dev.fp64() ? "double-double inside" : "none (float64 runs on the CPU)");
        synchronized (lock) { // a description is asked for to see what a use gets: it makes the session if need be
            String program;
            if (closed) {
                program = "released (closed)";
            } else {
                try {
                    program = session().program().origin();
                } catch (BackendUnavailableException e) {
                    program = "set-up failed: " + e.getMessage();
                }
            }
            m.put("program", program);
        }
        m.put("chunk", mib(chunkBytes) + " per operand");
        return m;
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Elements per chunk for host data. */
    long chunkElements(DType t) {
        return chunkBytes / t.bytes();
    }

    /** True when the float32 kernels use the float-only path. */
    boolean f32FloatOnly() {
        return f32FloatOnly;
    }

    @Override
    public Timings execute(Op op, Batch batch) throws BackendFailure {
        batch.requireShape(op);
        DType t = batch.dtype();
        if (!supports(op, t)) {
            throw new UnsupportedOperationException("opencl: " + dev.name() + " cannot run " + t + " kernels accurately");
        }
        int n = batch.length();
        boolean onDevice = memory.owns(batch);
        synchronized (lock) {
            ensureOpen();
            if (n == 0) {
                return new Timings(0, 0);
            }
            return onDevice ? executeOnDevice(op, batch) : executeStreaming(op, batch);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
    }

    /** All operands are this backend's device arrays: one launch, no transfers. */
    private Timings executeOnDevice(Op op, Batch b) throws BackendFailure {
        int nOps = op.inputs() + op.outputs();
        cl_mem[] mems = new cl_mem[nOps];
        int[] offs = new int[nOps];
        for (int i = 0; i < nOps; i++) {
            Operand.Device d = (Operand.Device) (i < op.inputs() ? b.in(i) : b.out(i - op.inputs()));
            mems[i] = ((OpenClArray) d.array()).mem();
            offs[i] = d.index();
        }
        cl_event ev = new cl_event();
        try {
            Session ss = session();
            ss.program().launch(ss.queues()[0], op, b.dtype(), mems, offs, b.length(), ev);
            clWaitForEvents(1, new cl_event[] {ev});
            return new Timings(0, OpenClStaging.duration(ev));
        } catch (CLException e) {
            session.staging().abandon();
            throw new BackendFailure("OpenCL " + describe(e) + " during " + op.label() + " on device arrays", 0, e);
        } finally {
            release(ev);
        }
    }

    /** Host operands (arrays, NIO buffers): stream through the staging slots chunk by chunk on the shared pipeline. */
    private Timings executeStreaming(Op op, Batch b) throws BackendFailure {
        OpenClStaging staging;
        try {
            staging = session().staging();
        } catch (BackendUnavailableException e) {
            throw new BackendFailure("OpenCL " + e.getMessage(), 0, e); // first use: the CPU computes the call instead
        }
        try {
            staging.ensureBuffers(op.inputs() + op.outputs());
        } catch (CLException e) {
            throw new BackendFailure("OpenCL " + describe(e) + " creating the staging buffers", 0, e);
        }
        return pipeline.run(new ChunkPlan(b.length(), (int) chunkElements(b.dtype()), staging.slots()), staging, op, b);
    }

    private static void release(cl_event e) {
        try {
            clReleaseEvent(e);
        } catch (CLException ignored) {
            // an event of a failed enqueue may not exist
        }
    }

    static cl_mem createBuffer(cl_context context, long flags, long bytes) {
        cl_mem m = clCreateBuffer(context, flags, Math.max(bytes, 1), null, null);
        LIVE.incrementAndGet();
        return m;
    }

    // ------------------------------------------------------------------ device arrays

    @Override
    public DeviceArray allocate(DType dtype, int length) {
        memory.checkAllocation(dtype, length);
        if (!supports(Op.SIGMOID, dtype)) {
            throw new UnsupportedOperationException("opencl: " + dev.name() + " cannot run " + dtype + " kernels accurately");
        }
        long bytes = (long) length * dtype.bytes();
        if (bytes > dev.maxAllocBytes()) {
            throw new IllegalArgumentException("opencl: a device array of " + length + " " + dtype + " elements (" + bytes
                    + " bytes) exceeds the device's largest allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE = " + dev.maxAllocBytes() + ")");
        }
        synchronized (lock) {
            ensureOpen();
            cl_mem m;
            try {
                m = createBuffer(session().context(), CL_MEM_READ_WRITE, bytes);
            } catch (CLException e) {
                throw new IllegalStateException("opencl: allocating " + bytes + " bytes failed: " + describe(e), e);
            }
            return new OpenClArray(this, dtype, length, m);
        }
    }

    DeviceMemory memory() {
        return memory;
    }

    void write(cl_mem m, long byteOffset, long bytes, Pointer src) {
        synchronized (lock) {
            ensureOpen();
            try {
                clEnqueueWriteBuffer(session().queues()[0], m, true, byteOffset, bytes, src, 0, null, null);
            } catch (CLException e) {
                throw new IllegalStateException("opencl: writing to a device array failed: " + describe(e), e);
            }
        }
    }

    void read(cl_mem m, long byteOffset, long bytes, Pointer dst) {
        synchronized (lock) {
            ensureOpen();
            try {
                clEnqueueReadBuffer(session().queues()[0], m, true, byteOffset, bytes, dst, 0, null, null);
            } catch (CLException e) {
                throw new IllegalStateException("opencl: reading a device array failed: " + describe(e), e);
            }
        }
    }

    void free(cl_mem m) {
        synchronized (lock) {
            releaseQuietly(() -> clReleaseMemObject(m));
        }
    }

    /** Device arrays of this backend still open. */
    int openArrays() {
        return memory.openArrays();
    }

    /** Native objects created by any OpenCL backend in this JVM and not yet released (leak checks). */
    static long liveNativeObjects() {
        return LIVE.get();
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close() {
        List<String> leaked;
        synchronized (lock) {
            if (closed) {
                return;
            }
            leaked = memory.close();
            closed = true;
            releaseAll();
        }
        if (!leaked.isEmpty()) {
            throw DeviceMemory.leak("OpenCL backend", leaked);
        }
    }

    private void releaseAll() {
        if (session != null) {
            releaseAll(session.context(), session.queues(), session.program(), session.staging());
            session = null;
        }
    }

    /** Releases what exists, in reverse order of creation; also for a half-built session. */
    private static void releaseAll(cl_context ctx, cl_command_queue[] queues, OpenClProgram prog, OpenClStaging st) {
        if (st != null) {
            st.close();
        }
        if (prog != null) {
            prog.release();
        }
        for (int i = 0; i < queues.length; i++) {
            cl_command_queue q = queues[i];
            if (q != null) {
                releaseQuietly(() -> clReleaseCommandQueue(q));
                queues[i] = null;
            }
        }
        if (ctx != null) {
            releaseQuietly(() -> clReleaseContext(ctx));
        }
    }

    static void releaseQuietly(Runnable r) {
        try {
            r.run();
        } catch (CLException e) {
            LOG.log(System.Logger.Level.DEBUG, "release failed: " + describe(e));
        }
        LIVE.decrementAndGet();
    }

    @Override
    public String toString() {
        return "OpenClBackend[" + device() + "]";
    }
}
