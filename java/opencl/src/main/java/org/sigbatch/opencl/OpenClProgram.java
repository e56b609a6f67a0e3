package org.sigbatch.opencl;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
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
import org.sigbatch.Op;

/**
 * The kernels of sigmoid.cl for one context and device: built once (the binary cached on disk by
 * {@link ProgramCache}), one cl_kernel per op and dtype, and their launch. Kernel arguments are
 * state: callers serialise launches (the backend's lock).
 */
final class OpenClProgram {
    private static final System.Logger LOG = System.getLogger("org.sigbatch.opencl");
    private static final String KERNEL_RESOURCE = "/org/sigbatch/opencl/sigmoid.cl";
    /** Each work-item of the kernels handles this many elements. */
    private static final int VEC = 4;

    private final cl_program program;
    private final String origin;
    private final Map<DType, Map<Op, cl_kernel>> kernels = new EnumMap<>(DType.class);

    /** Builds (or loads) the program and creates its kernels; float64 ones only where the device has fp64. */
    OpenClProgram(cl_context ctx, ClDevice dev, String buildOptions, Path cacheDir) {
        String[] how = new String[1];
        this.program = build(ctx, dev, kernelSource(), buildOptions, cacheDir, how);
        this.origin = how[0];
        try {
            for (DType t : DType.values()) {
                if ((t == DType.F64 || t.isHalf()) && !dev.fp64()) {
                    continue; // the float64 and 16-bit kernels need fp64
                }
                Map<Op, cl_kernel> m = new EnumMap<>(Op.class);
                kernels.put(t, m);
                for (Op op : Op.values()) {
                    m.put(op, clCreateKernel(program, kernelName(op, t), null));
                    OpenClBackend.LIVE.incrementAndGet();
                }
            }
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /** "built from source in 480 ms, binary cached at ..." or "cached binary ...". */
    String origin() {
        return origin;
    }

    static String kernelName(Op op, DType t) {
        return op.name().toLowerCase(java.util.Locale.ROOT) + switch (t) {
            case F32 -> "_f32";
            case F64 -> "_f64";
            case F16 -> "_f16";
            case BF16 -> "_bf16";
        };
    }

    /**
     * Queues {@code op} over {@code n} elements: {@code mems} are the inputs then the outputs, each
     * starting at element {@code offs[i]}.
     */
    void launch(cl_command_queue q, Op op, DType t, cl_mem[] mems, int[] offs, int n, cl_event done) {
        cl_kernel k = kernels.get(t).get(op);
        int a = 0;
        for (int i = 0; i < mems.length; i++) {
            clSetKernelArg(k, a++, Sizeof.cl_mem, Pointer.to(mems[i]));
            clSetKernelArg(k, a++, Sizeof.cl_uint, Pointer.to(new int[] {offs[i]}));
        }
        clSetKernelArg(k, a, Sizeof.cl_uint, Pointer.to(new int[] {n}));
        clEnqueueNDRangeKernel(q, k, 1, null, new long[] {((long) n + VEC - 1) / VEC}, null, 0, null, done);
    }

    void release() {
        for (Map<Op, cl_kernel> m : kernels.values()) {
            for (cl_kernel k : m.values()) {
                OpenClBackend.releaseQuietly(() -> clReleaseKernel(k));
            }
        }
        kernels.clear();
        OpenClBackend.releaseQuietly(() -> clReleaseProgram(program));
    }

    // ------------------------------------------------------------------ building

    /** The float-only formulation shared with CUDA and the CPU (kernels-cuda/sigmoid_float_only.h, packaged beside sigmoid.cl). */
    static final String FLOAT_ONLY_RESOURCE = "/org/sigbatch/opencl/sigmoid_float_only.h";
    static final String FLOAT_ONLY_MARKER = "/*@SIGMOID_FLOAT_ONLY_H@*/";

    /** sigmoid.cl with sigmoid_float_only.h spliced in at its marker (OpenCL C has no include path here). */
    static String kernelSource() {
        String cl = resource(KERNEL_RESOURCE);
        if (!cl.contains(FLOAT_ONLY_MARKER)) {
            throw new BackendUnavailableException(OpenClBackend.ID, "kernel source " + KERNEL_RESOURCE + " lacks the marker " + FLOAT_ONLY_MARKER);
        }
        return cl.replace(FLOAT_ONLY_MARKER, resource(FLOAT_ONLY_RESOURCE));
    }

    private static String resource(String name) {
        try (InputStream in = OpenClProgram.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new BackendUnavailableException(OpenClBackend.ID, "kernel source " + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BackendUnavailableException(OpenClBackend.ID, "cannot read kernel source " + name + ": " + e, e);
        }
    }

    /** Loads the cached binary if there is one and the driver accepts it, else builds from source and caches the binary. */
    private static cl_program build(cl_context ctx, ClDevice dev, String source, String options, Path cacheDir, String[] origin) {
        ProgramCache cache = new ProgramCache(cacheDir);
        String key = ProgramCache.key(source, options, dev);
        cl_device_id[] devs = {dev.id()};
        byte[] bin = cache.load(key);
        if (bin != null) {
            cl_program p = null;
            try {
                p = clCreateProgramWithBinary(ctx, 1, devs, new long[] {bin.length}, new byte[][] {bin}, new int[1], null);
                OpenClBackend.LIVE.incrementAndGet();
                clBuildProgram(p, 1, devs, options, null, null);
                origin[0] = "cached binary " + cache.path(key);
                return p;
            } catch (CLException e) {
                LOG.log(System.Logger.Level.INFO, "cached OpenCL binary " + cache.path(key) + " rejected (" + OpenClBackend.describe(e)
                        + "); building from source");
                if (p != null) {
                    clReleaseProgram(p);
                    OpenClBackend.LIVE.decrementAndGet();
                }
                cache.delete(key);
            }
        }
        long t0 = System.nanoTime();
        cl_program p = clCreateProgramWithSource(ctx, 1, new String[] {source}, null, null);
        OpenClBackend.LIVE.incrementAndGet();
        try {
            clBuildProgram(p, 1, devs, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p, dev.id());
            clReleaseProgram(p);
            OpenClBackend.LIVE.decrementAndGet();
            throw new BackendUnavailableException(OpenClBackend.ID, "building the kernels for " + dev.name() + " failed ("
                    + OpenClBackend.describe(e) + "): " + (log.length() > 2000 ? log.substring(0, 2000) + "..." : log), e);
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
            LOG.log(System.Logger.Level.DEBUG, "no program binary to cache: " + OpenClBackend.describe(e));
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
            return "(no build log: " + OpenClBackend.describe(e) + ")";
        }
    }
}
