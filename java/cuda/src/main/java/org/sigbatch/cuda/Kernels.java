package org.sigbatch.cuda;

import static jcuda.driver.JCudaDriver.cuFuncGetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuOccupancyMaxActiveBlocksPerMultiprocessor;

import java.util.LinkedHashMap;
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

    private final Map<String, Kernel> byName = new LinkedHashMap<>();

    Kernels(CUmodule module, int multiprocessors) {
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
            }
        }
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
        return byName.get(name(op, t));
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
