package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.reference.DoubleDouble;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.ReferenceTest.Exact;
import org.sigbatch.reference.Ulps;
import org.sigbatch.testing.Hardware;

/**
 * A dense sample (~1.5·10^7 inputs) of the float64 kernels over the whole double range: a fine grid over
 * [−750, 750], random mantissas in every binade 2^-1074..2^10 of both signs, runs of consecutive doubles
 * around the thresholds and at random places, and uniform random points, through every float64 candidate
 * ({@link Kernels#f64Candidates()}): σ and σ' within {@link #ACCURATE_F64} ULP of the double-double reference
 * (computed once per chunk for all kernels); subnormal results also against BigDecimal (correctly rounded
 * but near ties). Runs only with -Dsigbatch.exhaustive=true (make test).
 */
public class F64DenseExhaustiveTest {
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
        List<Kernels.F64Candidate> ks = Kernels.f64Candidates().stream().filter(Kernels.F64Candidate::present).toList();
        assertTrue(ks.size() == Kernels.f64Candidates().size() || !Kernels.vectorApiPresent(), "a float64 candidate did not load: " + Kernels.f64Candidates());
        long t0 = System.nanoTime();
        double[] x = denseInputs();
        int n = x.length;
        int chunk = 1 << 15;
        int nk = ks.size();
        double[][][] worst = new double[nk][4][2]; // [kernel][op, op over normal outputs] = {max error, x}
        long[] over = new long[nk];
        long[] subnormals = new long[1];
        double[] subMax = new double[nk];
        IntStream.range(0, (n + chunk - 1) / chunk).parallel().forEach(c -> {
            int from = c * chunk;
            int len = Math.min(n, from + chunk) - from;
            // the double-double reference once per chunk, for every kernel
            DoubleDouble[] ry = new DoubleDouble[len];
            DoubleDouble[] rd = new DoubleDouble[len];
            for (int i = 0; i < len; i++) {
                ry[i] = Reference.sigmoidDD(x[from + i]);
                rd[i] = Reference.derivativeDD(x[from + i]);
            }
            double[] y = new double[len];
            double[] d = new double[len];
            for (int k = 0; k < nk; k++) {
                ks.get(k).kernels().fused(x, from, y, 0, d, 0, len);
                double[][] w = new double[4][2];
                long o = 0;
                long subs = 0;
                double sm = 0;
                for (int i = 0; i < len; i++) {
                    double v = x[from + i];
                    double ey = Ulps.error(y[i], ry[i]);
                    double ed = Ulps.error(d[i], rd[i]);
                    if (ey > 0.5 || ed > 0.5) {
                        o++;
                    }
                    note(w[0], ey, v);
                    note(w[1], ed, v);
                    if (!(y[i] < Double.MIN_NORMAL)) {
                        note(w[2], ey, v);
                    }
                    if (!(d[i] < Double.MIN_NORMAL)) {
                        note(w[3], ed, v);
                    }
                    // subnormal results against BigDecimal (every 8th, to keep the run short)
                    if (y[i] != 0 && y[i] < Double.MIN_NORMAL && (i & 7) == 0) {
                        subs++;
                        sm = Math.max(sm, Exact.ulpError(y[i], Exact.sigmoid(v)));
                        sm = Math.max(sm, Exact.ulpError(d[i], Exact.derivative(v)));
                    }
                }
                synchronized (worst) {
                    for (int op = 0; op < 4; op++) {
                        if (!(w[op][0] <= worst[k][op][0])) {
                            worst[k][op][0] = w[op][0];
                            worst[k][op][1] = w[op][1];
                        }
                    }
                    subMax[k] = Math.max(subMax[k], sm);
                    over[k] += o;
                    if (k == 0) {
                        subnormals[0] += subs;
                    }
                }
            }
        });
        double secs = (System.nanoTime() - t0) / 1e9;
        assertTrue(n >= 10_000_000, "sample too small: " + n);
        for (int k = 0; k < nk; k++) {
            double[][] wk = worst[k];
            String name = ks.get(k).id() + " (" + ks.get(k).kernels().name() + ")";
            System.out.printf("F64 dense sample, %s: %d inputs; σ max %.6f ULP at x=%s; σ' max %.6f ULP at x=%s; "
                            + "normal outputs: σ max %.6f ULP at x=%s, σ' max %.6f ULP at x=%s; "
                            + "%d inputs > 0.5 ULP; %d subnormal results vs BigDecimal: max %.6f ULP%n",
                    name, n, wk[0][0], wk[0][1], wk[1][0], wk[1][1], wk[2][0], wk[2][1], wk[3][0], wk[3][1],
                    over[k], subnormals[0], subMax[k]);
            double sub = subMax[k];
            assertTrue(wk[0][0] <= ACCURATE_F64, () -> name + ": σ error " + wk[0][0] + " ULP at x=" + wk[0][1]);
            assertTrue(wk[1][0] <= ACCURATE_F64, () -> name + ": σ' error " + wk[1][0] + " ULP at x=" + wk[1][1]);
            assertTrue(sub <= 0.5 + 0x1p-20, () -> name + ": subnormal result error " + sub + " ULP vs BigDecimal");
        }
        System.out.printf("F64 dense sample: %d kernels in %.1f s%n", nk, secs);
    }

    /** Both float64 candidates are ACCURATE: σ and σ' within this many ULP on the dense sample. */
    static final double ACCURATE_F64 = 0.501;

    private static void note(double[] w, double err, double v) {
        if (!(err <= w[0])) {
            w[0] = err;
            w[1] = v;
        }
    }
}
