package org.sigbatch.cuda;

import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import org.sigbatch.DType;
import org.sigbatch.Op;

/**
 * The kernels of sigmoid.fatbin and their launch shapes: 256 threads per block (the kernels'
 * {@code __launch_bounds__}), the grid sized per kernel from the occupancy the driver reports for its
 * register use (ptxas gives 32–58 registers per thread on sm_90: 4–8 resident blocks per SM, so no
 * fixed number of blocks per SM fits every kernel).
 */
final class Kernels {
    static final int BLOCK = 256;

    /** A loaded kernel: its function, launch shape and registers per thread (for describe()). */
    record Kernel(String name, CUfunction function, LaunchShape shape, int registers) {
    }

    /** {@code cuda.f32kernel} values: float32 computed in double inside, or the float-only compensated kernels. */
    static final String F64INSIDE = "f64inside";
    static final String FLOATONLY = "floatonly";
    static final String AUTO = "auto";
    /** Suffix of the float-only float32 kernels in sigmoid.cu (sigmoid_float_only.h), e.g. {@code fused_f32_floatonly}. */
    static final String FLOATONLY_SUFFIX = "_floatonly";
    /**
     * auto takes the float-only kernels above this FP32:FP64 throughput ratio: the double-inside float32
     * kernels do ~40 FP64 operations per element, so where FP64 runs at 1/32 or 1/64 of FP32 (consumer
     * and most workstation GPUs) they are FP64-bound; at 1:2 (A100, H100) they are memory-bound anyway.
     */
    static final int FLOATONLY_MIN_RATIO = 4;

    private final Map<String, Kernel> byName = new LinkedHashMap<>();
    private final boolean floatOnly;

    Kernels(CUmodule module, int multiprocessors, String f32Kernel) {
        this.floatOnly = f32Kernel.equals(FLOATONLY);
        for (Op op : Op.values()) {
            for (DType t : DType.values()) {
                String n = name(op, t);
                if (t.isHalf()) {
                    Kernel k = loadOptional(module, n, t, multiprocessors);
                    if (k != null) {
                        byName.put(n, k);
                    }
                } else {
                    byName.put(n, load(module, n, t, multiprocessors));
                }
                if (t == DType.F32) {
                    byName.put(n + FLOATONLY_SUFFIX, load(module, n + FLOATONLY_SUFFIX, t, multiprocessors));
                }
            }
        }
    }

    /** Every kernel of sigmoid.fatbin: each op and dtype, and the float-only variant of each float32 one. */
    static List<String> allNames() {
        List<String> l = new ArrayList<>();
        for (Op op : Op.values()) {
            for (DType t : DType.values()) {
                l.add(name(op, t));
                if (t == DType.F32) {
                    l.add(name(op, t) + FLOATONLY_SUFFIX);
                }
            }
        }
        return l;
    }

    /**
     * The float32 kernel variant for the option value {@code choice} on a device whose FP32:FP64
     * throughput ratio is {@code fp32PerFp64} (CU_DEVICE_ATTRIBUTE_SINGLE_TO_DOUBLE_PRECISION_PERF_RATIO;
     * 0 if unknown): auto gives floatonly above {@link #FLOATONLY_MIN_RATIO}, else f64inside.
     */
    static String f32Rule(String choice, int fp32PerFp64) {
        String c = choice == null || choice.isBlank() ? AUTO : choice.trim().toLowerCase(Locale.ROOT);
        return switch (c) {
            case AUTO -> fp32PerFp64 > FLOATONLY_MIN_RATIO ? FLOATONLY : F64INSIDE;
            case F64INSIDE, FLOATONLY -> c;
            default -> throw new IllegalArgumentException("cuda.f32kernel must be auto, f64inside or floatonly, got '" + choice + "'");
        };
    }

    /** A 16-bit kernel, or null where the fatbin predates them (the backend then runs 16-bit batches on the CPU). */
    private static Kernel loadOptional(CUmodule m, String name, DType t, int multiprocessors) {
        try {
            return load(m, name, t, multiprocessors);
        } catch (jcuda.CudaException e) {
            return null;
        }
    }

    /** True if every op has a kernel for {@code t}. */
    boolean has(DType t) {
        for (Op op : Op.values()) {
            if (!byName.containsKey(name(op, t))) {
                return false;
            }
        }
        return true;
    }

    /** Looks {@code name} up in the module and asks the driver how many 256-thread blocks of it fit on one SM. */
    static Kernel load(CUmodule m, String name, DType t, int multiprocessors) {
        CUfunction f = new CUfunction();
        cuModuleGetFunction(f, m, name);
        int[] blocks = {0};
        cuOccupancyMaxActiveBlocksPerMultiprocessor(blocks, f, BLOCK, 0);
        int[] regs = {0};
        cuFuncGetAttribute(regs, CUfunction_attribute.CU_FUNC_ATTRIBUTE_NUM_REGS, f);
        // elements per thread and pass: one 16-byte access (the kernels' vector path)
        return new Kernel(name, f, new LaunchShape(BLOCK, blocks[0], Math.max(1, multiprocessors), 16 / t.bytes()), regs[0]);
    }

    /** Kernel name in sigmoid.cu, e.g. {@code backward_from_output_f32}. */
    static String name(Op op, DType t) {
        return op.name().toLowerCase(Locale.ROOT) + switch (t) {
            case F32 -> "_f32";
            case F64 -> "_f64";
            case F16 -> "_f16";
            case BF16 -> "_bf16";
        };
    }

    Kernel kernel(Op op, DType t) {
        return byName.get(floatOnly && t == DType.F32 ? name(op, t) + FLOATONLY_SUFFIX : name(op, t));
    }

    /** One line for describe(): registers per thread and resident blocks per SM of each kernel. */
    String occupancy() {
        StringBuilder sb = new StringBuilder(BLOCK + " threads/block; registers, blocks/SM:");
        for (Kernel k : byName.values()) {
            sb.append(' ').append(k.name()).append(' ').append(k.registers()).append("r/").append(k.shape().blocksPerSm()).append('b');
        }
        return sb.toString();
    }

    /**
     * Launches {@code op} over {@code n} elements: {@code ins} then {@code outs} device pointers, in
     * the kernel's parameter order. Nothing is launched for {@code n == 0}.
     */
    void launch(Op op, DType t, CUstream stream, long n, CUdeviceptr... ptrs) {
        launch(kernel(op, t), stream, n, ptrs);
    }

    static void launch(Kernel k, CUstream stream, long n, CUdeviceptr... ptrs) {
        if (n == 0) {
            return;
        }
        Pointer[] params = new Pointer[ptrs.length + 1];
        for (int i = 0; i < ptrs.length; i++) {
            params[i] = Pointer.to(ptrs[i]);
        }
        params[ptrs.length] = Pointer.to(new long[] {n});
        cuLaunchKernel(k.function(), k.shape().grid(n), 1, 1, BLOCK, 1, 1, 0, stream, Pointer.to(params), null);
    }
}
