package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sigbatch.BackendKind;
import org.sigbatch.Sigmoid;
import org.sigbatch.cpu.F32Kernels;
import org.sigbatch.testing.Hardware;

/**
 * The *_f32_floatonly GPU kernels (cuda.f32kernel=floatonly) give the bits of the CPU float-only
 * kernels, which CpuExhaustiveTest proves over all 2^32 inputs and FloatOnlyBitIdentityTest ties to
 * sigmoid_float_only.h: every op on every 256th float32 bit pattern (all 2^32 for σ, σ' under
 * -Dsigbatch.exhaustive=true) plus random gradients. Skips visibly without a GPU.
 */
class CudaFloatOnlyTest {
    @Test
    void gpuFloatOnlyKernelsGiveTheCpuFloatOnlyBits() {
        Toolchain.backendOrSkip(Map.of("cuda.f32kernel", "floatonly")).close();
        var fo = org.sigbatch.cpu.Kernels.f32Candidate("floatonly");
        assertTrue(fo.present(), fo.absentReason());
        F32Kernels cpu = fo.kernels();
        long stride = Hardware.exhaustive() ? 1 : 256;
        int block = 1 << 24;
        float[] x = new float[block], g = new float[block], a = new float[block], b = new float[block], c = new float[block], e = new float[block];
        SplittableRandom r = new SplittableRandom(9);
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.CUDA).option("cuda.f32kernel", "floatonly").build()) {
            assertTrue(s.describe("cuda").getOrDefault("float32 kernels", "").startsWith("floatonly"), s.describe("cuda").toString());
            long mismatches = 0;
            for (long base = 0; base < (1L << 32); base += block * stride) {
                for (int i = 0; i < block; i++) {
                    x[i] = Float.intBitsToFloat((int) (base + i * stride));
                    g[i] = i % 4 == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(-40, 40)));
                }
                s.fused(x, a, b);
                cpu.fused(x, 0, c, 0, e, 0, block);
                mismatches += diff(a, c) + diff(b, e);
                if (stride > 1 || base % (block * 16L) == 0) {
                    s.backward(x, g, a);
                    cpu.backward(x, 0, g, 0, c, 0, block);
                    s.backwardFromOutput(x, g, b);
                    cpu.backwardFromOutput(x, 0, g, 0, e, 0, block);
                    mismatches += diff(a, c) + diff(b, e);
                    s.sigmoid(x, a);
                    cpu.sigmoid(x, 0, c, 0, block);
                    s.derivative(x, b);
                    cpu.derivative(x, 0, e, 0, block);
                    mismatches += diff(a, c) + diff(b, e);
                }
            }
            assertEquals(0, mismatches, "GPU float-only results that differ from the CPU float-only kernels' bits");
        }
    }

    /** Elements whose bits differ (NaNs compare equal whatever their payload). */
    private static long diff(float[] p, float[] q) {
        long n = 0;
        for (int i = 0; i < p.length; i++) {
            if (Float.floatToRawIntBits(p[i]) != Float.floatToRawIntBits(q[i]) && !(p[i] != p[i] && q[i] != q[i])) {
                n++;
            }
        }
        return n;
    }
}
