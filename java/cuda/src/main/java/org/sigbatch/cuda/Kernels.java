package org.sigbatch.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;

import java.util.EnumMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import org.sigbatch.DType;
import org.sigbatch.Op;

/** The kernels of sigmoid.fatbin and their launch configuration (grid from the SM count). */
final class Kernels {
    static final int BLOCK = 256;
    /** Blocks per SM: 8 x 256 threads fills an SM on every architecture since sm_75 (grid-stride loops do the rest). */
    static final int BLOCKS_PER_SM = 8;

    private final Map<Op, CUfunction> f32 = new EnumMap<>(Op.class);
    private final Map<Op, CUfunction> f64 = new EnumMap<>(Op.class);
    private final int maxBlocks;

    Kernels(CUmodule module, int multiprocessors) {
        for (Op op : Op.values()) {
            f32.put(op, function(module, name(op, DType.F32)));
            f64.put(op, function(module, name(op, DType.F64)));
        }
        this.maxBlocks = Math.max(1, multiprocessors) * BLOCKS_PER_SM;
    }

    /** Kernel name in sigmoid.cu, e.g. {@code backward_from_output_f32}. */
    static String name(Op op, DType t) {
        return op.name().toLowerCase(java.util.Locale.ROOT) + (t == DType.F32 ? "_f32" : "_f64");
    }

    private static CUfunction function(CUmodule m, String name) {
        CUfunction f = new CUfunction();
        cuModuleGetFunction(f, m, name);
        return f;
    }

    int grid(long n) {
        long blocks = (n + BLOCK - 1) / BLOCK;
        return (int) Math.max(1, Math.min(maxBlocks, blocks));
    }

    /**
     * Launches {@code op} over {@code n} elements: {@code ins} then {@code outs} device pointers, in
     * the kernel's parameter order. Nothing is launched for {@code n == 0}.
     */
    void launch(Op op, DType t, CUstream stream, long n, CUdeviceptr... ptrs) {
        if (n == 0) {
            return;
        }
        Pointer[] params = new Pointer[ptrs.length + 1];
        for (int i = 0; i < ptrs.length; i++) {
            params[i] = Pointer.to(ptrs[i]);
        }
        params[ptrs.length] = Pointer.to(new long[] {n});
        CUfunction f = (t == DType.F32 ? f32 : f64).get(op);
        cuLaunchKernel(f, grid(n), 1, 1, BLOCK, 1, 1, 0, stream, Pointer.to(params), null);
    }
}
