package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.ReferenceTest.Exact;
import org.sigbatch.reference.Ulps;
import org.sigbatch.testing.Hardware;

/**
 * A dense sample (~1.5·10^7 inputs) of the float64 kernels over the whole double range: a fine grid over
 * [−750, 750], random mantissas in every binade 2^-1074..2^10 of both signs, runs of consecutive doubles
 * around the thresholds and at random places, and uniform random points. σ ≤ 1 ULP and σ' ≤ 2 ULP against
 * the double-double reference; subnormal results also against BigDecimal (correctly rounded but near
 * ties). Runs only with -Dsigbatch.exhaustive=true (make test).
 */
public class F64DenseExhaustiveTest {
    private static final F64Kernels K = AccurateF64Kernels.INSTANCE;

    static double[] denseInputs() {
        SplittableRandom rnd = new SplittableRandom(2026);
        int grid = 8_000_000;
        int perBinade = 750; // × 2 signs × 2085 binades
        int runs = 600;
        int runLen = 1000;
        int uniform = 3_000_000;
        double[] th = {F64AccuracyTest.sigmaOne, F64AccuracyTest.sigmaSubnormal, F64AccuracyTest.sigmaZero,
            F64AccuracyTest.derivQuarter, 670.0, 1.0, 0.0, Double.MIN_NORMAL, 708.0, 36.0};
        int n = grid + 2 * perBinade * 2085 + (runs + 2 * th.length) * runLen + uniform;
        double[] x = new double[n];
        int p = 0;
        double step = 1500.0 / grid;
        for (int i = 0; i < grid; i++) {
            x[p++] = -750 + (i + 0.3183098861837907) * step;
        }
        for (int e = -1074; e <= 1010; e++) {
            for (int i = 0; i < perBinade; i++) {
                double m = e < -1022 ? Math.scalb(rnd.nextDouble() * 2, e) : Math.scalb(1 + rnd.nextDouble(), e);
                x[p++] = m;
                x[p++] = -m;
            }
        }
        for (int r = 0; r < runs + 2 * th.length; r++) {
            double c;
            if (r < runs) {
                c = -750 + 1500 * rnd.nextDouble();
            } else {
                double t = th[(r - runs) / 2];
                c = (r - runs) % 2 == 0 ? t : -t;
            }
            double v = c;
            for (int i = 0; i < runLen / 2; i++) {
                v = Math.nextDown(v);
            }
            for (int i = 0; i < runLen; i++) {
                x[p++] = v;
                v = Math.nextUp(v);
            }
        }
        for (int i = 0; i < uniform; i++) {
            x[p++] = -750 + 1500 * rnd.nextDouble();
        }
        return Arrays.copyOf(x, p);
    }

    @Test
    void denseSample() {
        Assumptions.assumeTrue(Hardware.exhaustive(), "exhaustive tests run with -Dsigbatch.exhaustive=true");
        F64AccuracyTest.thresholds();
        long t0 = System.nanoTime();
        double[] x = denseInputs();
        int n = x.length;
        int chunk = 1 << 15;
        double[][] worst = new double[4][2]; // [op, op over normal outputs] = {max error, x}
        AtomicLong over = new AtomicLong();
        AtomicLong subnormals = new AtomicLong();
        double[] subMax = new double[1];
        IntStream.range(0, (n + chunk - 1) / chunk).parallel().forEach(c -> {
            int from = c * chunk;
            int len = Math.min(n, from + chunk) - from;
            double[] y = new double[len];
            double[] d = new double[len];
            K.fused(x, from, y, 0, d, 0, len);
            double[][] w = new double[4][2];
            long o = 0;
            long subs = 0;
            double sm = 0;
            for (int i = 0; i < len; i++) {
                double v = x[from + i];
                double ey = Ulps.error(y[i], Reference.sigmoidDD(v));
                double ed = Ulps.error(d[i], Reference.derivativeDD(v));
                if (ey > 0.5 || ed > 0.5) {
                    o++;
                }
                if (!(ey <= w[0][0])) {
                    w[0][0] = ey;
                    w[0][1] = v;
                }
                if (!(ed <= w[1][0])) {
                    w[1][0] = ed;
                    w[1][1] = v;
                }
                if (!(y[i] < Double.MIN_NORMAL) && !(ey <= w[2][0])) {
                    w[2][0] = ey;
                    w[2][1] = v;
                }
                if (!(d[i] < Double.MIN_NORMAL) && !(ed <= w[3][0])) {
                    w[3][0] = ed;
                    w[3][1] = v;
                }
                // subnormal results against BigDecimal (every 8th, to keep the run short)
                if (y[i] != 0 && y[i] < Double.MIN_NORMAL && (i & 7) == 0) {
                    subs++;
                    sm = Math.max(sm, Exact.ulpError(y[i], Exact.sigmoid(v)));
                    sm = Math.max(sm, Exact.ulpError(d[i], Exact.derivative(v)));
                }
            }
            synchronized (worst) {
                for (int k = 0; k < 4; k++) {
                    if (!(w[k][0] <= worst[k][0])) {
                        worst[k][0] = w[k][0];
                        worst[k][1] = w[k][1];
                    }
                }
                subMax[0] = Math.max(subMax[0], sm);
            }
            over.addAndGet(o);
            subnormals.addAndGet(subs);
        });
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("F64 dense sample: %d inputs in %.1f s; σ max %.6f ULP at x=%s; σ' max %.6f ULP at x=%s; "
                        + "normal outputs: σ max %.6f ULP at x=%s, σ' max %.6f ULP at x=%s; "
                        + "%d inputs > 0.5 ULP; %d subnormal results vs BigDecimal: max %.6f ULP%n",
                n, secs, worst[0][0], worst[0][1], worst[1][0], worst[1][1], worst[2][0], worst[2][1], worst[3][0], worst[3][1],
                over.get(), subnormals.get(), subMax[0]);
        assertTrue(n >= 10_000_000, "sample too small: " + n);
        assertTrue(worst[0][0] <= 1.0, () -> "σ error " + worst[0][0] + " ULP at x=" + worst[0][1]);
        assertTrue(worst[1][0] <= 2.0, () -> "σ' error " + worst[1][0] + " ULP at x=" + worst[1][1]);
        assertTrue(subMax[0] <= 0.5 + 0x1p-20, () -> "subnormal result error " + subMax[0] + " ULP vs BigDecimal");
    }
}
