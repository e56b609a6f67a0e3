package org.sigbatch.opencl;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Operand;
import org.sigbatch.spi.Timings;

/**
 * The OpenCL backend: one context and device, two in-order command queues, one program built once
 * (binary cached on disk), device buffers reused across calls.
 *
 * <p>Host data streams through in chunks of at most {@code opencl.maxChunkBytes} per operand, double
 * buffered: while the device works on chunk c (write, kernel, read enqueued without blocking on queue
 * c mod 2), the host stages chunk c+1's inputs and drains chunk c−1's outputs. Outputs reach the
 * caller chunk by chunk in index order, so after a device error the elements before the failed chunk
 * are final ({@link BackendFailure#completed()}), in-place calls included.
 *
 * <p>Calls are serialised on one lock: the device is one resource, and kernel arguments are state.
 */
public final class OpenClBackend implements Backend {
    static final String ID = "opencl";
    private static final System.Logger LOG = System.getLogger("org.sigbatch.opencl");
    private static final String KERNEL_RESOURCE = "/org/sigbatch/opencl/sigmoid.cl";
    private static final long DEFAULT_CHUNK_BYTES = 32L << 20;
    /** Each work-item of the kernels handles this many elements. */
    private static final int VEC = 4;
    /** Native objects (contexts, queues, programs, kernels, buffers) created here and not yet released. */
    private static final AtomicLong LIVE = new AtomicLong();

    private final Object lock = new Object();
    private final ClDevice dev;
    private final cl_context context;
    private final cl_command_queue[] queues = new cl_command_queue[2];
    private final cl_program program;
    private final Map<DType, Map<Op, cl_kernel>> kernels = new EnumMap<>(DType.class);
    private final boolean f32FloatOnly;
    private final String programOrigin;
    private final long chunkBytes;
    private final int failAfterChunks;
    private final Set<OpenClArray> arrays = ConcurrentHashMap.newKeySet();
    /** Two staging slots (double buffering), each up to four operands: device buffer + mapped pinned host buffer. */
    private final cl_mem[][] stageDev = new cl_mem[2][4];
    private final cl_mem[][] stagePin = new cl_mem[2][4];
    private final ByteBuffer[][] stageHost = new ByteBuffer[2][4];
    private boolean closed;

    private OpenClBackend(ClDevice dev, Map<String, String> options) {
        this.dev = dev;
        this.chunkBytes = chunkBytes(options.get("opencl.maxChunkBytes"), dev);
        this.failAfterChunks = intOption(options, "opencl.failAfterChunks", -1);
        String f32 = options.getOrDefault("opencl.f32", "auto").trim().toLowerCase(java.util.Locale.ROOT);
        this.f32FloatOnly = switch (f32) {
            case "auto", "" -> !dev.fp64();
            case "float" -> true;
            case "double" -> {
                if (!dev.fp64()) {
                    throw new BackendUnavailableException(ID, "opencl.f32=double but " + dev.name() + " has no cl_khr_fp64");
                }
                yield false;
            }
            default -> throw new IllegalArgumentException("opencl.f32 must be auto, float or double, got '" + f32 + "'");
        };
        cl_context ctx = null;
        cl_program prog = null;
        try {
            ctx = clCreateContext(null, 1, new cl_device_id[] {dev.id()}, null, null, null);
            LIVE.incrementAndGet();
            for (int i = 0; i < 2; i++) {
                queues[i] = clCreateCommandQueue(ctx, dev.id(), CL_QUEUE_PROFILING_ENABLE, null);
                LIVE.incrementAndGet();
            }
            String[] origin = new String[1];
            prog = buildProgram(ctx, dev, kernelSource(), buildOptions(), ProgramCache.defaultDir(options.get("opencl.cache")), origin);
            this.programOrigin = origin[0];
            for (DType t : DType.values()) {
                if (t == DType.F64 && !dev.fp64()) {
                    continue;
                }
                Map<Op, cl_kernel> m = new EnumMap<>(Op.class);
                for (Op op : Op.values()) {
                    m.put(op, clCreateKernel(prog, kernelName(op, t), null));
                    LIVE.incrementAndGet();
                }
                kernels.put(t, m);
            }
        } catch (CLException e) {
            this.context = ctx;
            this.program = prog;
            releaseAll();
            throw new BackendUnavailableException(ID, "setting up " + dev.name() + " failed: " + describe(e), e);
        } catch (RuntimeException e) {
            this.context = ctx;
            this.program = prog;
            releaseAll();
            throw e;
        }
        this.context = ctx;
        this.program = prog;
    }

    /** Opens the backend on the device the options name (or the best one). */
    static OpenClBackend open(Map<String, String> options) {
        try {
            CL.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            throw new BackendUnavailableException(ID, "no OpenCL ICD loader (libOpenCL.so.1) could be loaded: " + e, e);
        }
        List<String> empty = new ArrayList<>();
        List<ClDevice> all;
        try {
            all = ClDevice.enumerate(empty);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                throw new BackendUnavailableException(ID, "no OpenCL platform found (CL_PLATFORM_NOT_FOUND_KHR): the ICD loader"
                        + " lists no drivers; install one (e.g. pocl-opencl-icd) or check /etc/OpenCL/vendors and OCL_ICD_VENDORS", e);
            }
            throw new BackendUnavailableException(ID, "enumerating OpenCL platforms failed: " + describe(e), e);
        } catch (LinkageError e) {
            throw new BackendUnavailableException(ID, "no OpenCL ICD loader (libOpenCL.so.1) could be loaded: " + e, e);
        }
        if (all.isEmpty()) {
            if (empty.isEmpty()) {
                throw new BackendUnavailableException(ID, "no OpenCL platform found: the ICD loader lists no drivers"
                        + " (check /etc/OpenCL/vendors and OCL_ICD_VENDORS)");
            }
            throw new BackendUnavailableException(ID, "OpenCL platform(s) " + empty + " report no devices"
                    + (empty.stream().anyMatch(p -> p.contains("Portable Computing Language"))
                            ? " (PoCL does this when it cannot create its kernel cache: make POCL_CACHE_DIR or ~/.cache/pocl writable)" : ""));
        }
        String[] why = new String[1];
        ClDevice d = ClDevice.choose(all, options.get("opencl.platform"), options.get("opencl.device"), why);
        if (d == null) {
            throw new BackendUnavailableException(ID, why[0]);
        }
        return new OpenClBackend(d, options);
    }

    // ------------------------------------------------------------------ program

    static String kernelSource() {
        try (InputStream in = OpenClBackend.class.getResourceAsStream(KERNEL_RESOURCE)) {
            if (in == null) {
                throw new BackendUnavailableException(ID, "kernel source " + KERNEL_RESOURCE + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BackendUnavailableException(ID, "cannot read kernel source " + KERNEL_RESOURCE + ": " + e, e);
        }
    }

    private String buildOptions() {
        StringBuilder sb = new StringBuilder();
        if (dev.fp64()) {
            sb.append("-DSIGBATCH_FP64");
        }
        if (f32FloatOnly) {
            sb.append(sb.isEmpty() ? "" : " ").append("-DSIGBATCH_F32_FLOAT_ONLY");
        }
        return sb.toString();
    }

    /** Loads the cached binary if there is one and the driver accepts it, else builds from source and caches the binary. */
    private static cl_program buildProgram(cl_context ctx, ClDevice dev, String source, String options, java.nio.file.Path cacheDir,
            String[] origin) {
        ProgramCache cache = new ProgramCache(cacheDir);
        String key = ProgramCache.key(source, options, dev);
        cl_device_id[] devs = {dev.id()};
        byte[] bin = cache.load(key);
        if (bin != null) {
            cl_program p = null;
            try {
                p = clCreateProgramWithBinary(ctx, 1, devs, new long[] {bin.length}, new byte[][] {bin}, new int[1], null);
                LIVE.incrementAndGet();
                clBuildProgram(p, 1, devs, options, null, null);
                origin[0] = "cached binary " + cache.path(key);
                return p;
            } catch (CLException e) {
                LOG.log(System.Logger.Level.INFO, "cached OpenCL binary " + cache.path(key) + " rejected (" + describe(e) + "); building from source");
                if (p != null) {
                    clReleaseProgram(p);
                    LIVE.decrementAndGet();
                }
                cache.delete(key);
            }
        }
        long t0 = System.nanoTime();
        cl_program p = clCreateProgramWithSource(ctx, 1, new String[] {source}, null, null);
        LIVE.incrementAndGet();
        try {
            clBuildProgram(p, 1, devs, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p, dev.id());
            clReleaseProgram(p);
            LIVE.decrementAndGet();
            throw new BackendUnavailableException(ID, "building the kernels for " + dev.name() + " failed (" + describe(e) + "): "
                    + (log.length() > 2000 ? log.substring(0, 2000) + "..." : log), e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        origin[0] = "built from source in " + ms + " ms";
        try {
            long[] size = new long[1];
            clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] > 0) {
                byte[] b = new byte[(int) size[0]];
                clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(b)), null);
                cache.store(key, b);
                origin[0] += ", binary cached at " + cache.path(key);
            }
        } catch (CLException e) {
            LOG.log(System.Logger.Level.DEBUG, "no program binary to cache: " + describe(e));
        }
        return p;
    }

    private static String buildLog(cl_program p, cl_device_id d) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, d, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] b = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, d, CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            return new String(b, StandardCharsets.UTF_8).trim();
        } catch (CLException e) {
            return "(no build log: " + describe(e) + ")";
        }
    }

    static String kernelName(Op op, DType t) {
        return op.name().toLowerCase(java.util.Locale.ROOT) + (t == DType.F32 ? "_f32" : "_f64");
    }

    /** "CL_OUT_OF_RESOURCES (-5)" from an exception thrown by JOCL. */
    static String describe(CLException e) {
        return CL.stringFor_errorCode(e.getStatus()) + " (" + e.getStatus() + ")";
    }

    // ------------------------------------------------------------------ options

    private static long chunkBytes(String option, ClDevice d) {
        long limit = Math.min(d.maxAllocBytes(), d.globalMemBytes() / 16);
        long v = DEFAULT_CHUNK_BYTES;
        if (option != null && !option.isBlank()) {
            try {
                v = Long.parseLong(option.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("opencl.maxChunkBytes must be a number of bytes, got '" + option + "'");
            }
            if (v < 64) {
                throw new IllegalArgumentException("opencl.maxChunkBytes must be at least 64, got " + v);
            }
        }
        v = Math.min(v, Math.max(64, limit));
        v = Math.min(v, Integer.MAX_VALUE & ~63L); // a mapped ByteBuffer holds at most 2^31-1 bytes
        return v & ~31L; // whole vectors of doubles
    }

    private static int intOption(Map<String, String> options, String key, int def) {
        String v = options.get(key);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
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
        };
    }

    /**
     * Cost model for host data. A CPU device (PoCL) is a slower path to the same cores the Java
     * engine uses, plus copies: never for host data. A GPU pays PCIe transfers (~8 bytes per float32
     * element each way at ~10-25 GB/s) against the CPU engine's ~5 Gelem/s float32, but the CPU's
     * float64 path is slow (double-double), so the break-even is lower there.
     */
    @Override
    public long breakEvenElements(Op op, DType dtype) {
        if (dev.isCpu() && !dev.isGpu()) {
            return Long.MAX_VALUE;
        }
        return dtype == DType.F32 ? 1L << 20 : 1L << 14;
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
        m.put("float32 kernels", f32FloatOnly ? "float-only, compensated table-driven exp" : "double inside, rounded once");
        m.put("float64 kernels", dev.fp64() ? "double-double inside" : "none (float64 runs on the CPU)");
        m.put("program", programOrigin);
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
        boolean onDevice = batch.in(0) instanceof Operand.Device;
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
            Operand o = i < op.inputs() ? b.in(i) : b.out(i - op.inputs());
            if (!(o instanceof Operand.Device d) || !(d.array() instanceof OpenClArray a) || a.owner() != this) {
                throw new IllegalArgumentException("opencl: a call on device arrays takes only arrays allocated by this OpenCL backend");
            }
            mems[i] = a.mem();
            offs[i] = d.index();
        }
        cl_kernel k = kernels.get(b.dtype()).get(op);
        cl_event ev = new cl_event();
        try {
            setArgs(k, mems, offs, b.length());
            clEnqueueNDRangeKernel(queues[0], k, 1, null, new long[] {globalSize(b.length())}, null, 0, null, ev);
            clWaitForEvents(1, new cl_event[] {ev});
            return new Timings(0, duration(ev));
        } catch (CLException e) {
            quiesce();
            throw new BackendFailure("OpenCL " + describe(e) + " during " + op.label() + " on device arrays", 0, e);
        } finally {
            release(ev);
        }
    }

    private static long globalSize(long n) {
        return (n + VEC - 1) / VEC;
    }

    private static void setArgs(cl_kernel k, cl_mem[] mems, int[] offs, int n) {
        int a = 0;
        for (int i = 0; i < mems.length; i++) {
            clSetKernelArg(k, a++, Sizeof.cl_mem, Pointer.to(mems[i]));
            clSetKernelArg(k, a++, Sizeof.cl_uint, Pointer.to(new int[] {offs[i]}));
        }
        clSetKernelArg(k, a, Sizeof.cl_uint, Pointer.to(new int[] {n}));
    }

    /** One chunk in flight. */
    private record Pending(long start, int len, int slot, cl_event[] writes, cl_event kernel, cl_event[] reads) {
    }

    /** Host operands (arrays, NIO buffers): stream through the staging slots chunk by chunk. */
    private Timings executeStreaming(Op op, Batch b) throws BackendFailure {
        DType t = b.dtype();
        int eb = t.bytes();
        int nIn = op.inputs();
        int nOut = op.outputs();
        long n = b.length();
        long chunk = chunkElements(t);
        cl_kernel k = kernels.get(t).get(op);
        long completed = 0;
        long[] nanos = new long[2]; // transfer, kernel
        Pending[] pending = new Pending[2];
        int chunksDone = 0;
        try {
            if (failAfterChunks == 0) {
                throw injected();
            }
            ensureStaging(nIn + nOut);
            int c = 0;
            for (long start = 0; start < n; start += chunk, c++) {
                int len = (int) Math.min(chunk, n - start);
                int s = c & 1;
                cl_command_queue q = queues[s];
                cl_event[] writes = new cl_event[nIn];
                for (int i = 0; i < nIn; i++) {
                    ByteBuffer hb = stageHost[s][i];
                    hb.clear();
                    b.in(i).copyTo((int) start, len, hb);
                    hb.rewind(); // JOCL's pointer starts at the buffer's position
                    writes[i] = new cl_event();
                    clEnqueueWriteBuffer(q, stageDev[s][i], false, 0, (long) len * eb, Pointer.to(hb), 0, null, writes[i]);
                }
                cl_mem[] mems = new cl_mem[nIn + nOut];
                System.arraycopy(stageDev[s], 0, mems, 0, nIn + nOut);
                setArgs(k, mems, new int[nIn + nOut], len);
                cl_event kev = new cl_event();
                clEnqueueNDRangeKernel(q, k, 1, null, new long[] {globalSize(len)}, null, 0, null, kev);
                cl_event[] reads = new cl_event[nOut];
                for (int o = 0; o < nOut; o++) {
                    reads[o] = new cl_event();
                    clEnqueueReadBuffer(q, stageDev[s][nIn + o], false, 0, (long) len * eb, Pointer.to(stageHost[s][nIn + o].rewind()),
                            0, null, reads[o]);
                }
                clFlush(q);
                pending[s] = new Pending(start, len, s, writes, kev, reads);
                // drain the previous chunk while this one runs
                Pending prev = pending[1 - s];
                if (prev != null) {
                    pending[1 - s] = null;
                    completed += drain(prev, b, nIn, nanos);
                    if (++chunksDone == failAfterChunks) {
                        throw injected();
                    }
                }
            }
            for (int s = 0; s < 2; s++) {
                // at most one is still pending: the last chunk
                if (pending[s] != null) {
                    Pending p = pending[s];
                    pending[s] = null;
                    completed += drain(p, b, nIn, nanos);
                    chunksDone++;
                }
            }
            return new Timings(nanos[0], nanos[1]);
        } catch (CLException e) {
            quiesce();
            for (Pending p : pending) {
                if (p != null) {
                    releaseEvents(p);
                }
            }
            throw new BackendFailure("OpenCL " + describe(e) + " during " + op.label() + " of " + n + " " + t
                    + " elements, after " + completed + " were written back", completed, e);
        }
    }

    private CLException injected() {
        return new CLException("failure injected by opencl.failAfterChunks=" + failAfterChunks, CL_OUT_OF_RESOURCES);
    }

    /** Waits for a chunk's reads, copies its outputs to the caller, releases its events; returns its length. */
    private int drain(Pending p, Batch b, int nIn, long[] nanos) {
        try {
            clWaitForEvents(p.reads().length, p.reads());
            for (int o = 0; o < p.reads().length; o++) {
                ByteBuffer hb = stageHost[p.slot()][nIn + o];
                hb.clear();
                b.out(o).copyFrom((int) p.start(), p.len(), hb);
            }
            for (cl_event e : p.writes()) {
                nanos[0] += duration(e);
            }
            for (cl_event e : p.reads()) {
                nanos[0] += duration(e);
            }
            nanos[1] += duration(p.kernel());
            return p.len();
        } finally {
            releaseEvents(p);
        }
    }

    private static void releaseEvents(Pending p) {
        for (cl_event e : p.writes()) {
            release(e);
        }
        release(p.kernel());
        for (cl_event e : p.reads()) {
            release(e);
        }
    }

    private static void release(cl_event e) {
        try {
            if (e != null) {
                clReleaseEvent(e);
            }
        } catch (CLException ignored) {
            // an event of a failed enqueue may not exist
        }
    }

    private static long duration(cl_event e) {
        long[] t0 = new long[1];
        long[] t1 = new long[1];
        try {
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, Sizeof.cl_ulong, Pointer.to(t0), null);
            clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, Sizeof.cl_ulong, Pointer.to(t1), null);
            return Math.max(0, t1[0] - t0[0]);
        } catch (CLException ex) {
            return 0;
        }
    }

    /** Waits for both queues after an error; errors here are expected and ignored. */
    private void quiesce() {
        for (cl_command_queue q : queues) {
            try {
                if (q != null) {
                    clFinish(q);
                }
            } catch (CLException ignored) {
                // the queue may be broken by the error being reported
            }
        }
    }

    /** Allocates the first {@code count} operands of both staging slots, once; they are reused by every call. */
    private void ensureStaging(int count) {
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < count; i++) {
                if (stageDev[s][i] == null) {
                    stageDev[s][i] = createBuffer(CL_MEM_READ_WRITE, chunkBytes);
                    // pinned host memory where the driver offers it: faster DMA, no hidden staging copy
                    cl_mem pin = createBuffer(CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, chunkBytes);
                    stagePin[s][i] = pin;
                    stageHost[s][i] = clEnqueueMapBuffer(queues[s], pin, true, CL_MAP_READ | CL_MAP_WRITE, 0, chunkBytes, 0, null, null, null)
                            .order(java.nio.ByteOrder.nativeOrder());
                }
            }
        }
    }

    private cl_mem createBuffer(long flags, long bytes) {
        cl_mem m = clCreateBuffer(context, flags, Math.max(bytes, 1), null, null);
        LIVE.incrementAndGet();
        return m;
    }

    // ------------------------------------------------------------------ device arrays

    @Override
    public DeviceArray allocate(DType dtype, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
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
                m = createBuffer(CL_MEM_READ_WRITE, bytes);
            } catch (CLException e) {
                throw new IllegalStateException("opencl: allocating " + bytes + " bytes failed: " + describe(e), e);
            }
            OpenClArray a = new OpenClArray(this, dtype, length, m);
            arrays.add(a);
            return a;
        }
    }

    void write(OpenClArray a, long byteOffset, long bytes, Pointer src) {
        synchronized (lock) {
            ensureOpen();
            try {
                clEnqueueWriteBuffer(queues[0], a.mem(), true, byteOffset, bytes, src, 0, null, null);
            } catch (CLException e) {
                throw new IllegalStateException("opencl: writing to a device array failed: " + describe(e), e);
            }
        }
    }

    void read(OpenClArray a, long byteOffset, long bytes, Pointer dst) {
        synchronized (lock) {
            ensureOpen();
            try {
                clEnqueueReadBuffer(queues[0], a.mem(), true, byteOffset, bytes, dst, 0, null, null);
            } catch (CLException e) {
                throw new IllegalStateException("opencl: reading a device array failed: " + describe(e), e);
            }
        }
    }

    void free(OpenClArray a, cl_mem m) {
        synchronized (lock) {
            if (arrays.remove(a)) {
                clReleaseMemObject(m);
                LIVE.decrementAndGet();
            }
        }
    }

    /** Device arrays of this backend still open. */
    int openArrays() {
        return arrays.size();
    }

    /** Native objects created by any OpenCL backend in this JVM and not yet released (leak checks). */
    static long liveNativeObjects() {
        return LIVE.get();
    }

    // ------------------------------------------------------------------ close

    @Override
    public void close() {
        int leaked;
        synchronized (lock) {
            if (closed) {
                return;
            }
            leaked = arrays.size();
            for (OpenClArray a : List.copyOf(arrays)) {
                a.close();
            }
            closed = true;
            releaseAll();
        }
        if (leaked > 0) {
            throw new IllegalStateException("OpenCL backend closed with " + leaked + " device array(s) still open (freed now)");
        }
    }

    private void releaseAll() {
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 4; i++) {
                if (stageHost[s][i] != null) {
                    try {
                        clEnqueueUnmapMemObject(queues[s], stagePin[s][i], stageHost[s][i], 0, null, null);
                        clFinish(queues[s]);
                    } catch (CLException e) {
                        LOG.log(System.Logger.Level.DEBUG, "unmap failed: " + describe(e));
                    }
                    stageHost[s][i] = null;
                }
                for (cl_mem m : new cl_mem[] {stagePin[s][i], stageDev[s][i]}) {
                    if (m != null) {
                        releaseQuietly(() -> clReleaseMemObject(m));
                    }
                }
                stagePin[s][i] = null;
                stageDev[s][i] = null;
            }
        }
        for (Map<Op, cl_kernel> m : kernels.values()) {
            for (cl_kernel k : m.values()) {
                releaseQuietly(() -> clReleaseKernel(k));
            }
        }
        kernels.clear();
        if (program != null) {
            releaseQuietly(() -> clReleaseProgram(program));
        }
        for (int i = 0; i < 2; i++) {
            cl_command_queue q = queues[i];
            if (q != null) {
                releaseQuietly(() -> clReleaseCommandQueue(q));
                queues[i] = null;
            }
        }
        if (context != null) {
            releaseQuietly(() -> clReleaseContext(context));
        }
    }

    private static void releaseQuietly(Runnable r) {
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
