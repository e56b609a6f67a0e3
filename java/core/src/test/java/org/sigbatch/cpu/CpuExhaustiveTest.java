package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.testing.Hardware;

/**
 * σ and σ' of the CPU kernels for ALL 2^32 float32 inputs (every bit pattern: NaNs, infinities,
 * subnormals included) against the double reference. Runs under {@code make test} /
 * {@code -Dsigbatch.exhaustive=true}; about half a minute per kernel on 2 cores.
 */
class CpuExhaustiveTest {
    private static final int BLOCK_BITS = 20;

    @ParameterizedTest(name = "{0} kernels")
    @ValueSource(strings = {"best", "scalar"})
    void allFloatInputs(String which) {
        Assumptions.assumeTrue(Hardware.exhaustive(), "exhaustive tests run with -Dsigbatch.exhaustive=true (make test)");
        F32Kernels k = which.equals("best") ? Kernels.bestF32() : Kernels.scalarF32();
        Result r = sweep(k);
        System.out.printf("%s (%s): all 2^32 inputs: sigma max %.6f ULP at x=%s, %d above 0.5 ULP; sigma' max %.6f ULP at x=%s, %d above 0.5 ULP; %.1f s%n",
                which, k.name(), r.maxY(), Float.intBitsToFloat((int) r.argY()), r.overHalfY(),
                r.maxD(), Float.intBitsToFloat((int) r.argD()), r.overHalfD(), r.seconds());
        assertTrue(r.maxY() <= 1.0, "sigma max error " + r.maxY() + " ULP > 1 at x=" + Float.intBitsToFloat((int) r.argY()));
        assertTrue(r.maxD() <= 2.0, "sigma' max error " + r.maxD() + " ULP > 2 at x=" + Float.intBitsToFloat((int) r.argD()));
        // both engines compute in double and round once: nearly correctly rounded everywhere
        assertTrue(r.maxY() <= 0.501 && r.maxD() <= 0.501, "expected <= 0.501 ULP, got " + r.maxY() + " / " + r.maxD());
    }

    record Result(double maxY, long argY, long overHalfY, double maxD, long argD, long overHalfD, double seconds) {
    }

    static Result sweep(F32Kernels k) {
        long t0 = System.nanoTime();
        int blocks = 1 << (32 - BLOCK_BITS);
        AtomicLong overY = new AtomicLong();
        AtomicLong overD = new AtomicLong();
        double[] best = IntStream.range(0, blocks).parallel().mapToObj(b -> {
            int n = 1 << BLOCK_BITS;
            float[] x = new float[n];
            float[] y = new float[n];
            float[] d = new float[n];
            int base = b << BLOCK_BITS;
            for (int i = 0; i < n; i++) {
                x[i] = Float.intBitsToFloat(base + i);
            }
            k.fused(x, 0, y, 0, d, 0, n);
            double my = -1;
            double md = -1;
            long ay = 0;
            long ad = 0;
            long oy = 0;
            long od = 0;
            for (int i = 0; i < n; i++) {
                double ey = Ulps.error(y[i], Reference.sigmoid(x[i]));
                double ed = Ulps.error(d[i], Reference.derivative(x[i]));
                if (ey > 0.5) {
                    oy++;
                }
                if (ed > 0.5) {
                    od++;
                }
                if (ey > my) {
                    my = ey;
                    ay = Integer.toUnsignedLong(base + i);
                }
                if (ed > md) {
                    md = ed;
                    ad = Integer.toUnsignedLong(base + i);
                }
            }
            overY.addAndGet(oy);
            overD.addAndGet(od);
            return new double[] {my, ay, md, ad};
        }).reduce(new double[] {-1, 0, -1, 0}, (p, q) -> new double[] {
                Math.max(p[0], q[0]), p[0] >= q[0] ? p[1] : q[1], Math.max(p[2], q[2]), p[2] >= q[2] ? p[3] : q[3]});
        return new Result(best[0], (long) best[1], overY.get(), best[2], (long) best[3], overD.get(), (System.nanoTime() - t0) / 1e9);
    }
}
