package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.Sigmoid;
import org.sigbatch.cpu.F32Kernels;
import org.sigbatch.spi.Options;

/**
 * The OpenCL float-only path (sigmoid_float_only.h spliced into sigmoid.cl) gives the CPU float-only
 * kernels' bits for every op on one float32 bit pattern in every 16384 with random gradients (CpuExhaustiveTest
 * proves those bits over all 2^32 inputs); and the opencl.f32kernel rule and its alias.
 */
class OpenClFloatOnlyBitsTest {
    @Test
    void floatOnlyPathGivesTheCpuFloatOnlyBits() {
        OpenClTesting.require();
        var fo = org.sigbatch.cpu.Kernels.f32Candidate("floatonly");
        assertTrue(fo.present(), fo.absentReason());
        F32Kernels cpu = fo.kernels();
        int n = 1 << 18;
        float[] x = new float[n], g = new float[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            x[i] = Float.intBitsToFloat(i * 16384 + r.nextInt(16384));
            g[i] = i % 4 == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(-40, 40)));
        }
        float[][] gpu = new float[6][n];
        float[][] ref = new float[6][n];
        try (Sigmoid s = OpenClTesting.sigmoid("opencl.f32kernel", "floatonly")) {
            assertTrue(s.describe("opencl").toString().contains("floatonly"), s.describe("opencl").toString());
            s.sigmoid(x, gpu[0]);
            s.derivative(x, gpu[1]);
            s.fused(x, gpu[2], gpu[3]);
            s.backward(x, g, gpu[4]);
            s.backwardFromOutput(x, g, gpu[5]);
        }
        cpu.sigmoid(x, 0, ref[0], 0, n);
        cpu.derivative(x, 0, ref[1], 0, n);
        cpu.fused(x, 0, ref[2], 0, ref[3], 0, n);
        cpu.backward(x, 0, g, 0, ref[4], 0, n);
        cpu.backwardFromOutput(x, 0, g, 0, ref[5], 0, n);
        String[] names = {"sigmoid", "derivative", "fused y", "fused d", "backward", "backwardFromOutput"};
        for (int k = 0; k < 6; k++) {
            long bad = 0;
            int first = -1;
            for (int i = 0; i < n; i++) {
                boolean same = Float.floatToRawIntBits(gpu[k][i]) == Float.floatToRawIntBits(ref[k][i]) || (gpu[k][i] != gpu[k][i] && ref[k][i] != ref[k][i]);
                if (!same) {
                    bad++;
                    first = first < 0 ? i : first;
                }
            }
            assertEquals(0, bad, names[k] + ": OpenCL float-only differs from the CPU float-only kernels"
                    + (first >= 0 ? " first at x=" + x[first] + " g=" + g[first] + ": " + gpu[k][first] + " vs " + ref[k][first] : ""));
        }
    }

    @Test
    void optionRuleAndDeprecatedAlias() {
        assertEquals("auto", OpenClBackend.f32KernelChoice(new Options(Map.of())));
        assertEquals("floatonly", OpenClBackend.f32KernelChoice(new Options(Map.of("opencl.f32kernel", "floatonly"))));
        assertEquals("floatonly", OpenClBackend.f32KernelChoice(new Options(Map.of("opencl.f32", "float"))));
        assertEquals("f64inside", OpenClBackend.f32KernelChoice(new Options(Map.of("opencl.f32", "double"))));
        assertEquals("f64inside", OpenClBackend.f32KernelChoice(new Options(Map.of("opencl.f32", "float", "opencl.f32kernel", "f64inside"))));
        assertThrows(IllegalArgumentException.class, () -> OpenClBackend.f32KernelChoice(new Options(Map.of("opencl.f32kernel", "half"))));
        assertTrue(OpenClBackend.floatOnly("auto", false, "d"), "no fp64: float-only");
        assertTrue(!OpenClBackend.floatOnly("auto", true, "d"), "fp64: double inside");
        assertTrue(OpenClBackend.floatOnly("floatonly", true, "d"));
        var e = assertThrows(BackendUnavailableException.class, () -> OpenClBackend.floatOnly("f64inside", false, "dev0"));
        assertTrue(e.getMessage().contains("dev0") && e.getMessage().contains("cl_khr_fp64"), e.getMessage());
    }
}
