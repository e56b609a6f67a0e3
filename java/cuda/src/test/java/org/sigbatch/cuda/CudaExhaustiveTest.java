package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.Sigmoid;
import org.sigbatch.BackendKind;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.testing.Hardware;

/**
 * All 2^32 float32 inputs through the GPU kernels (σ and σ' via the fused kernel, on device arrays)
 * against the CPU reference: σ ≤ 1 ULP, σ' ≤ 2 ULP, NaN for NaN, subnormal results included.
 */
class CudaExhaustiveTest {
    @Test
    void allFloat32InputsOnTheGpu() {
        Assumptions.assumeTrue(Hardware.exhaustive(), "exhaustive tests run with -Dsigbatch.exhaustive=true (make test)");
        Toolchain.backendOrSkip(Map.of()).close();
        final int block = 1 << 26;
        double[] worst = new double[2];
        AtomicLong overHalf = new AtomicLong();
        try (Sigmoid s = Sigmoid.builder().backend(BackendKind.CUDA).build();
                DeviceArray dx = s.allocate(DType.F32, block);
                DeviceArray dy = s.allocate(DType.F32, block);
                DeviceArray dd = s.allocate(DType.F32, block)) {
            float[] x = new float[block];
            float[] y = new float[block];
            float[] d = new float[block];
            for (long base = 0; base < (1L << 32); base += block) {
                final long b0 = base;
                IntStream.range(0, block).parallel().forEach(i -> x[i] = Float.intBitsToFloat((int) (b0 + i)));
                dx.write(0, x, 0, block);
                assertEquals("cuda", s.fused(dx, dy, dd).backend());
                dy.read(0, y, 0, block);
                dd.read(0, d, 0, block);
                double[] w = IntStream.range(0, 64).parallel().mapToObj(part -> {
                    double ws = 0;
                    double wd = 0;
                    long over = 0;
                    for (int i = part * (block / 64); i < (part + 1) * (block / 64); i++) {
                        double es = Ulps.error(y[i], Reference.sigmoid(x[i]));
                        double ed = Ulps.error(d[i], Reference.derivative(x[i]));
                        if (es > 0.5 || ed > 0.5) {
                            over++;
                        }
                        if (es > 1 || ed > 2) {
                            throw new AssertionError("x=" + x[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(x[i])) + "): σ " + y[i]
                                    + " (" + es + " ULP), σ' " + d[i] + " (" + ed + " ULP)");
                        }
                        ws = Math.max(ws, es);
                        wd = Math.max(wd, ed);
                    }
                    overHalf.addAndGet(over);
                    return new double[] {ws, wd};
                }).reduce(new double[2], (a, c) -> new double[] {Math.max(a[0], c[0]), Math.max(a[1], c[1])});
                worst[0] = Math.max(worst[0], w[0]);
                worst[1] = Math.max(worst[1], w[1]);
            }
        }
        System.out.printf("CUDA exhaustive float32: max σ %.6f ULP, max σ' %.6f ULP, %d results over 0.5 ULP%n", worst[0], worst[1], overHalf.get());
    }
}
