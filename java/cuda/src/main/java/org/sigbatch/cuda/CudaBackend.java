package org.sigbatch.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Closer;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.Operand;
import org.sigbatch.spi.Options;
import org.sigbatch.spi.Timings;
import org.sigbatch.spi.stream.ChunkPlan;
import org.sigbatch.spi.stream.Pipeline;

/**
 * The CUDA backend, on the driver API only (JCudaDriver: no runtime API, no NVRTC): the device's
 * primary context, made current on each calling thread; the kernels from the fatbin resource built by
 * {@code make fatbin}; host data streamed through pooled pipelines of pinned buffers and streams
 * ({@link ChunkPlan} on the shared {@link Pipeline}); device-resident data in {@link CudaDeviceArray}s.
 *
 * <p>Options: {@code cuda.device} (index, default 0), {@code cuda.streams} (slots per pipeline,
 * default 3), {@code cuda.chunkElements} (elements per chunk, default 16 MiB worth),
 * {@code cuda.pinnedBytes} (pinned budget, default 256 MiB), {@code cuda.pipelines} (concurrent host
 * calls, default 2), {@code cuda.breakEven} (overrides the cost model), {@code cuda.stagingThreads} (host copy
 * threads), {@code cuda.registerMinBytes} (direct buffers registered for DMA, -1: never),
 * {@code cuda.inject.failAtChunk} (tests: the kernel step of that chunk fails), {@code cuda.f32kernel} ({@code auto}:
 * float-only kernels where FP32:FP64 throughput &gt; 4, else {@code f64inside}; or either by name; see {@link Kernels#f32Rule}).
 */
public final class CudaBackend implements Backend {
    static final String FATBIN = "/org/sigbatch/cuda/sigmoid.fatbin";

    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private final CUmodule module;
    private final Kernels kernels;
    /** The float32 kernel variant (f64inside or floatonly) and why. */
    private final String f32Kernel;
    private final String f32Why;
    private final String name;
    private final int ccMajor;
    private final int ccMinor;
    private final int multiprocessors;
    private final long totalMemory;
    private final int slots;
    private final int maxPipelines;
    private final long bufferBytes;
    private final long requestedChunk;
    private final long breakEvenOverride;
    private final Pipeline pipeline;
    private final Properties stamp;
    /** Device-array reads and writes: non-blocking like the kernels' streams, and waited for by each copy. */
    private final CUstream arrayStream;

    private final ArrayDeque<CudaStaging> idle = new ArrayDeque<>();
    private int pipelines;
    private final DeviceMemory memory = new DeviceMemory("cuda");
    private volatile String broken;
    private volatile boolean closed;

    private CudaBackend(Map<String, String> options) {
        CudaDriver.require();
        int count = CudaDriver.deviceCount();
        Options o = new Options(options);
        int idx = o.intValue("cuda.device", 0, 0, Integer.MAX_VALUE);
        if (idx >= count) {
            throw new BackendUnavailableException("cuda", "cuda.device=" + idx + " but the driver reports " + count + " device(s) (0.." + (count - 1) + ")");
        }
        this.ordinal = idx;
        this.slots = o.intValue("cuda.streams", StagingBudget.DEFAULT_SLOTS, 1, 64);
        this.maxPipelines = o.intValue("cuda.pipelines", 2, 1, 64);
        this.requestedChunk = o.longValue("cuda.chunkElements", 0, 1);
        long pinnedBudget = o.longValue("cuda.pinnedBytes", StagingBudget.DEFAULT_PINNED_BUDGET, 1);
        this.breakEvenOverride = o.longValue("cuda.breakEven", -1, 0);
        this.pipeline = Pipeline.of("cuda", o);
        String f32Choice = o.choice("cuda.f32kernel", Kernels.AUTO, Kernels.AUTO, Kernels.F64INSIDE, Kernels.FLOATONLY);
        this.stamp = loadStamp();

        device = new CUdevice();
        cuDeviceGet(device, idx);
        context = new CUcontext();
        cuDevicePrimaryCtxRetain(context, device);
        CUmodule m = null;
        CUstream s = null;
        try {
            cuCtxSetCurrent(context);
            byte[] nameBytes = new byte[256];
            cuDeviceGetName(nameBytes, nameBytes.length, device);
            name = cString(nameBytes);
            ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
            long[] total = {0};
            cuDeviceTotalMem(total, device);
            totalMemory = total[0];
            m = new CUmodule();
            try {
                cuModuleLoadData(m, fatbin());
            } catch (CudaException e) {
                throw new BackendUnavailableException("cuda", "cannot load the kernels (sigmoid.fatbin, built with nvcc "
                        + stamp.getProperty("nvcc", "?") + ") on " + name + " sm_" + ccMajor + ccMinor + " with driver "
                        + CudaDriver.version(CudaDriver.driverVersion()) + ": " + e.getMessage()
                        + " (needs an R580+ driver, CUDA 13, and compute capability 7.5 or newer)", e);
            }
            module = m;
            int ratio;
            try {
                ratio = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO);
            } catch (RuntimeException e) {
                ratio = 0; // unknown: auto keeps the double-inside kernels
            }
            f32Kernel = Kernels.f32Rule(f32Choice, ratio);
            f32Why = f32Choice.equals(Kernels.AUTO) ? "auto, FP32:FP64 throughput " + (ratio > 0 ? ratio + ":1" : "unknown") : "cuda.f32kernel=" + f32Choice;
            try {
                kernels = new Kernels(module, multiprocessors, f32Kernel);
            } catch (CudaException | IllegalArgumentException e) {
                throw new BackendUnavailableException("cuda", "cannot set up the kernels' launch on " + name + " sm_" + ccMajor + ccMinor
                        + ": " + e.getMessage(), e);
            }
            s = new CUstream();
            cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING);
            arrayStream = s;
            long[] free = {0};
            long[] tot = {0};
            cuMemGetInfo(free, tot);
            bufferBytes = StagingBudget.bufferBytes(requestedChunk, Double.BYTES, slots, free[0], pinnedBudget, maxPipelines);
        } catch (RuntimeException e) {
            Closer c = new Closer();
            if (s != null) {
                CUstream created = s;
                c.run(() -> cuStreamDestroy(created));
            }
            if (m != null) {
                CUmodule loaded = m;
                c.run(() -> cuModuleUnload(loaded));
            }
            c.run(() -> cuDevicePrimaryCtxRelease(device));
            throw e;
        }
    }

    /** Opens device {@code cuda.device}; BackendUnavailableException if there is no usable CUDA. */
    public static CudaBackend open(Map<String, String> options) {
        return new CudaBackend(options);
    }

    private int attribute(int attr) {
        int[] v = {0};
        cuDeviceGetAttribute(v, attr, device);
        return v[0];
    }

    private String attributeOrNa(int attr, java.util.function.IntFunction<String> fmt) {
        try {
            return fmt.apply(attribute(attr));
        } catch (RuntimeException e) {
            return "n/a";
        }
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    static byte[] fatbin() {
        try (InputStream in = CudaBackend.class.getResourceAsStream(FATBIN)) {
            if (in == null) {
                throw new BackendUnavailableException("cuda", "the kernel resource " + FATBIN + " is missing from the sigbatch-cuda jar (run make fatbin)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BackendUnavailableException("cuda", "cannot read " + FATBIN + ": " + e, e);
        }
    }

    static Properties loadStamp() {
        Properties p = new Properties();
        try (InputStream in = CudaBackend.class.getResourceAsStream(FATBIN + ".properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // the stamp is informative only here; FatbinTest checks it
        }
        return p;
    }

    /**
     * Copies host memory (a Java array: pageable) into a device array and returns once the data is on
     * the device. A pageable cuMemcpyHtoD may return before its DMA is done, and nothing orders the
     * legacy stream it uses with the kernels' non-blocking streams: so copy on a stream and wait for it.
     * JCuda holds the Java array (GetPrimitiveArrayCritical) only during the call, which is enough: an
     * async copy from pageable memory has staged the data when it returns (CUDA's API sync rules), and
     * one into pageable memory has completed.
     */
    void toDevice(CUdeviceptr dst, Pointer src, long bytes) {
        makeCurrent();
        cuMemcpyHtoDAsync(dst, src, bytes, arrayStream);
        cuStreamSynchronize(arrayStream);
    }

    /** Copies a device array's elements to host memory; returns once they are there. */
    void toHost(Pointer dst, CUdeviceptr src, long bytes) {
        makeCurrent();
        cuMemcpyDtoHAsync(dst, src, bytes, arrayStream);
        cuStreamSynchronize(arrayStream);
    }

    /** Makes this backend's primary context current on the calling thread (cheap; done on every entry). */
    void makeCurrent() {
        cuCtxSetCurrent(context);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the cuda backend is closed");
        }
    }

    // ------------------------------------------------------------------ Backend

    @Override
    public String id() {
        return "cuda";
    }

    @Override
    public String device() {
        return "cuda:" + ordinal + " " + name + " (sm_" + ccMajor + ccMinor + ", " + multiprocessors + " SMs)";
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return !dtype.isHalf() || kernels.has(dtype); // 16-bit kernels: where the fatbin has them
    }

    /**
     * AUTO measures this backend against the CPU (CostModel: a probe at first use, cached per device,
     * driver and version; see docs/cost-model.md), unless {@code cuda.breakEven} fixes the size.
     */
    @Override
    public long breakEvenElements(Op op, DType dtype) {
        return breakEvenOverride >= 0 ? breakEvenOverride : CALIBRATE;
    }

    @Override
    public Timings execute(Op op, Batch batch) throws BackendFailure {
        batch.requireShape(op);
        ensureOpen();
        if (batch.length() == 0) {
            return new Timings(0, 0);
        }
        boolean device = memory.owns(batch);
        String b = broken;
        if (b != null) {
            throw new BackendFailure("cuda is unusable after an earlier device error: " + b, 0, null);
        }
        makeCurrent();
        return device ? executeOnDevice(op, batch) : executeStreamed(op, batch);
    }

    private Timings executeStreamed(Op op, Batch batch) throws BackendFailure {
        CudaStaging st;
        try {
            st = acquire();
        } catch (CudaException e) {
            throw new BackendFailure("cuda could not create streams: " + e.getMessage(), 0, e);
        }
        try {
            st.ensureBuffers();
        } catch (CudaException e) {
            release(st, false);
            throw new BackendFailure("cuda could not allocate staging buffers: " + e.getMessage(), 0, e);
        }
        boolean healthy = false;
        try {
            int eb = batch.dtype().bytes();
            long perChunk = st.bufferBytes() / eb;
            if (requestedChunk > 0) {
                perChunk = Math.min(perChunk, requestedChunk);
            }
            ChunkPlan plan = new ChunkPlan(batch.length(), (int) Math.min(Integer.MAX_VALUE, perChunk), st.slots());
            Timings t = pipeline.run(plan, st, op, batch);
            healthy = true;
            return t;
        } catch (BackendFailure f) {
            healthy = f.getCause() instanceof Pipeline.InjectedFailure;
            if (!healthy) {
                checkContext(f);
            }
            throw f;
        } finally {
            release(st, healthy);
        }
    }

    private Timings executeOnDevice(Op op, Batch batch) throws BackendFailure {
        try {
            pipeline.injectOnDevice();
        } catch (Pipeline.InjectedFailure e) {
            throw new BackendFailure(e.getMessage(), 0, e);
        }
        CUdeviceptr[] ptrs = new CUdeviceptr[op.inputs() + op.outputs()];
        int k = 0;
        for (Operand o : batch.inputs()) {
            Operand.Device d = (Operand.Device) o;
            ptrs[k++] = ((CudaDeviceArray) d.array()).at(d.index());
        }
        for (Operand o : batch.outputs()) {
            Operand.Device d = (Operand.Device) o;
            ptrs[k++] = ((CudaDeviceArray) d.array()).at(d.index());
        }
        CudaStaging st;
        try {
            st = acquire();
        } catch (CudaException e) {
            throw new BackendFailure("cuda could not create a stream: " + e.getMessage(), 0, e);
        }
        boolean healthy = false;
        try {
            CUstream s = st.stream(0);
            cuEventRecord(st.event(0, 1), s);
            kernels.launch(op, batch.dtype(), s, batch.length(), ptrs);
            cuEventRecord(st.event(0, 2), s);
            cuEventSynchronize(st.event(0, 2));
            float[] ms = {0};
            cuEventElapsedTime(ms, st.event(0, 1), st.event(0, 2));
            healthy = true;
            return new Timings(0, (long) (ms[0] * 1e6));
        } catch (CudaException e) {
            BackendFailure f = new BackendFailure("cuda kernel failed on device-resident data: " + e.getMessage(), 0, e);
            checkContext(f);
            throw f;
        } finally {
            release(st, healthy);
        }
    }

    /** After a device error: if the context itself is gone (sticky errors), every later call goes to the CPU. */
    private void checkContext(BackendFailure f) {
        try {
            cuCtxSynchronize();
        } catch (RuntimeException e) {
            broken = e.getMessage() + " (after: " + f.getMessage() + ")";
        }
    }

    // ------------------------------------------------------------------ pipeline pool

    private synchronized CudaStaging acquire() {
        while (idle.isEmpty() && pipelines >= maxPipelines) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a cuda pipeline", e);
            }
            ensureOpen();
        }
        if (!idle.isEmpty()) {
            return idle.pop();
        }
        pipelines++;
        try {
            return new CudaStaging(kernels, slots, bufferBytes, memory);
        } catch (RuntimeException e) {
            pipelines--;
            throw e;
        }
    }

    private synchronized void release(CudaStaging st, boolean healthy) {
        if (healthy && !closed) {
            idle.push(st);
        } else {
            pipelines--;
            new Closer().run(st::close);
        }
        notifyAll();
    }

    // ------------------------------------------------------------------ device arrays

    @Override
    public DeviceArray allocate(DType dtype, int length) {
        ensureOpen();
        memory.checkAllocation(dtype, length);
        if (!supports(Op.SIGMOID, dtype)) {
            throw new UnsupportedOperationException("cuda: no " + dtype + " kernels in this build; " + dtype + " batches run on the CPU");
        }
        CUdeviceptr p = null;
        if (length > 0) {
            makeCurrent();
            p = new CUdeviceptr();
            try {
                cuMemAlloc(p, (long) length * dtype.bytes());
            } catch (CudaException e) {
                throw new IllegalStateException("cuda: cannot allocate " + dtype + "[" + length + "] ("
                        + (long) length * dtype.bytes() + " bytes) on " + name + ": " + e.getMessage(), e);
            }
        }
        return new CudaDeviceArray(this, dtype, length, p);
    }

    DeviceMemory memory() {
        return memory;
    }

    /** Frees a device array's memory (its close, or this backend's close while it still runs). */
    void free(CUdeviceptr p) {
        if (p != null) {
            makeCurrent();
            cuMemFree(p);
        }
    }

    /** Device arrays allocated and not yet closed. */
    public int openArrays() {
        return memory.openArrays();
    }

    // ------------------------------------------------------------------ describe / close

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("device", "cuda:" + ordinal + " " + name);
        m.put("compute capability", ccMajor + "." + ccMinor);
        m.put("multiprocessors", Integer.toString(multiprocessors));
        m.put("memory", mib(totalMemory));
        try {
            makeCurrent();
            long[] free = {0};
            long[] tot = {0};
            cuMemGetInfo(free, tot);
            m.put("memory free", mib(free[0]));
        } catch (RuntimeException e) {
            m.put("memory free", "n/a");
        }
        m.put("driver", CudaDriver.version(CudaDriver.driverVersion()));
        m.put("gpu clock", attributeOrNa(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE, v -> v / 1000 + " MHz"));
        m.put("memory clock", attributeOrNa(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, v -> v / 1000 + " MHz"));
        m.put("memory bus", attributeOrNa(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, v -> v + " bit"));
        m.put("L2 cache", attributeOrNa(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, v -> v / 1024 + " KiB"));
        m.put("PCI bus", attributeOrNa(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, Integer::toString));
        m.put("kernels", "sigmoid.fatbin, nvcc " + stamp.getProperty("nvcc", "?") + ", " + stamp.getProperty("fatbin.size", "?") + " bytes");
        m.put("launch", kernels.occupancy());
        m.put("float32 kernels", (f32Kernel.equals(Kernels.FLOATONLY) ? "floatonly (compensated float arithmetic, no FP64)" : "f64inside (double inside, rounded once)")
                + "; " + f32Why);
        m.put("staging", slots + " streams x 2 x " + mib(bufferBytes) + " pinned per pipeline, up to " + maxPipelines + " pipelines");
        m.put("break-even (host data)", breakEvenOverride >= 0 ? breakEvenOverride + " elements (cuda.breakEven)" : "measured (cost model below)");
        m.put("host copies", pipeline.copier().threads() + " threads; direct buffers >= " + pipeline.directMinBytes() + " B registered for DMA");
        return m;
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /**
     * Frees every pipeline, pinned buffer and device array and releases the primary context. Arrays
     * still open are freed too, and then reported: IllegalStateException naming each one.
     */
    @Override
    public void close() {
        List<String> leaked = List.of();
        Closer c = new Closer();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
            c.run(this::makeCurrent);
            c.run(() -> cuCtxSynchronize());
            while (!idle.isEmpty()) {
                c.close(idle.pop());
                pipelines--;
            }
            try {
                leaked = memory.close();
            } catch (RuntimeException e) {
                c.add(e);
            }
            c.run(() -> cuStreamDestroy(arrayStream));
            c.run(() -> cuModuleUnload(module));
            c.run(() -> cuDevicePrimaryCtxRelease(device));
        }
        if (!leaked.isEmpty()) {
            throw DeviceMemory.leak("cuda backend", leaked);
        }
        if (broken == null) {
            c.rethrow();
        }
    }

    @Override
    public String toString() {
        return "CudaBackend[" + device() + "]";
    }
}
