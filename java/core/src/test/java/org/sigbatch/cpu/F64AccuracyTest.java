package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sigbatch.reference.DoubleDouble;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.ReferenceTest.Exact;
import org.sigbatch.reference.Ulps;

/**
 * The float64 kernels against the double-double reference over ~10^6 inputs spread over the whole
 * double range (uniform over [−750, 750], log-uniform magnitudes 2^-1074..2^10, edges and thresholds):
 * σ ≤ 1 ULP, σ' ≤ 2 ULP, backward ≤ 3 ULP. Prints the worst error and how many exceed 0.5 ULP.
 */
public class F64AccuracyTest {
    static final F64Kernels K = AccurateF64Kernels.INSTANCE;

    /** Thresholds found by bisection on the reference: where RN(σ) becomes 1, σ subnormal, σ 0, σ' 0.25. */
    static double sigmaOne;
    static double sigmaSubnormal;
    static double sigmaZero;
    static double derivQuarter;

    @BeforeAll
    static void thresholds() {
        sigmaOne = bisect(30, 40, x -> Reference.sigmoidDD(x).value() == 1.0);
        sigmaSubnormal = bisect(-700, -720, x -> Reference.sigmoidDD(x).value() < Double.MIN_NORMAL);
        sigmaZero = bisect(-740, -750, x -> Reference.sigmoidDD(x).value() == 0.0);
        derivQuarter = bisect(1e-3, 1e-12, x -> Reference.derivativeDD(x).value() == 0.25);
        System.out.printf("F64 thresholds: RN(σ)=1 from x=%s; σ subnormal from x=%s; σ=0 from x=%s; σ'=0.25 for |x|<=%s%n",
                sigmaOne, sigmaSubnormal, sigmaZero, derivQuarter);
    }

    /** The first double from {@code from} towards {@code to} where {@code p} holds (p monotone). */
    static double bisect(double from, double to, java.util.function.DoublePredicate p) {
        double lo = from; // !p
        double hi = to; // p
        for (int i = 0; i < 200 && Math.nextAfter(lo, hi) != hi; i++) {
            double mid = lo / 2 + hi / 2;
            if (mid == lo || mid == hi) {
                break;
            }
            if (p.test(mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /** Specials, extremes and 64 neighbours (each side) of every threshold. */
    static double[] edges() {
        List<Double> e = new ArrayList<>(List.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
                -Double.MIN_NORMAL, Double.NaN, Double.longBitsToDouble(0x7ff0000000000001L),
                Double.longBitsToDouble(0xfff8000000000abcL), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MAX_VALUE, -Double.MAX_VALUE, 670.0, -670.0, 708.0, -708.0, 709.0, -709.0, 710.0, -710.0, 745.0,
                -745.0, 746.0, -746.0, 760.0, -760.0, 1000.0, -1000.0, 1460.0, -1460.0, 1e300, -1e300, 1.0, -1.0));
        double[] th = {sigmaOne, -sigmaOne, sigmaSubnormal, -sigmaSubnormal, sigmaZero, -sigmaZero, derivQuarter,
            -derivQuarter, -670.0, 670.0};
        for (double t : th) {
            double up = t;
            double down = t;
            for (int i = 0; i < 64; i++) {
                e.add(up);
                e.add(down);
                up = Math.nextUp(up);
                down = Math.nextDown(down);
            }
        }
        return e.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** n inputs: half uniform over [−750, 750], half log-uniform magnitudes 2^-1074..2^10, both signs. */
    static double[] sample(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            if ((i & 1) == 0) {
                x[i] = -750 + 1500 * rnd.nextDouble();
            } else {
                double m = Math.scalb(1 + rnd.nextDouble(), -1074 + rnd.nextInt(1085));
                x[i] = rnd.nextBoolean() ? m : -m;
            }
        }
        return x;
    }

    static double[] concat(double[] a, double[] b) {
        double[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Worst error, where, and how many elements above 0.5 ULP; merged across threads. */
    static final class Stats {
        double max;
        double at = Double.NaN;
        double atG = Double.NaN;
        long over;
        long skipped;
        long n;

        synchronized void add(double err, double x, double g) {
            n++;
            if (err > 0.5) {
                over++;
            }
            if (err > max || Double.isNaN(err)) {
                max = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = x;
                atG = g;
            }
        }

        void print(String what) {
            System.out.printf("F64 %-22s n=%d max %.6f ULP at x=%s (g=%s), %d > 0.5 ULP, %d skipped%n", what, n, max, at, atG,
                    over, skipped);
        }
    }

    /** Per-element error, or a negative value to skip the element. */
    interface ErrFn {
        double err(int i);
    }

    /**
     * Errors computed in parallel in chunks; [0] over all elements, [1] over those whose output is a
     * normal number or zero (below 2^-1022 the double-double reference is itself only faithful:
     * within 0.75 ULP, see ReferenceTest, so a correctly rounded result can measure 1.0 there).
     */
    static Stats[] errors(int n, ErrFn f, double[] out, double[] xs, double[] gs) {
        Stats all = new Stats();
        Stats normal = new Stats();
        int chunk = 1 << 14;
        IntStream.range(0, (n + chunk - 1) / chunk).parallel().forEach(c -> {
            Stats la = new Stats();
            Stats ln = new Stats();
            for (int i = c * chunk; i < Math.min(n, (c + 1) * chunk); i++) {
                double e = f.err(i);
                if (e < 0) {
                    la.skipped++;
                    continue;
                }
                double g = gs == null ? Double.NaN : gs[i];
                la.add(e, xs[i], g);
                if (!(Math.abs(out[i]) < Double.MIN_NORMAL) || out[i] == 0) {
                    ln.add(e, xs[i], g);
                }
            }
            merge(all, la);
            merge(normal, ln);
        });
        return new Stats[] {all, normal};
    }

    private static void merge(Stats s, Stats local) {
        synchronized (s) {
            s.n += local.n;
            s.over += local.over;
            s.skipped += local.skipped;
            if (local.max > s.max) {
                s.max = local.max;
                s.at = local.at;
                s.atG = local.atG;
            }
        }
    }

    static void print(String what, Stats[] s) {
        s[0].print(what);
        s[1].print(what + " (normal out)");
    }

    /** Subnormal results against BigDecimal: correctly rounded but within 2^-20 ULP of a tie. */
    static void checkSubnormals(String what, double[] x, double[] out, java.util.function.DoubleFunction<BigDecimal> exact) {
        int count = 0;
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            if (out[i] != 0 && Math.abs(out[i]) < Double.MIN_NORMAL) {
                double err = Exact.ulpError(out[i], exact.apply(x[i]));
                max = Math.max(max, err);
                count++;
                int fi = i;
                assertTrue(err <= 0.5 + 0x1p-20, () -> what + "(" + x[fi] + ") = " + out[fi] + ": " + err + " ULP (subnormal)");
            }
        }
        System.out.printf("F64 %-22s subnormal results vs BigDecimal: n=%d, max %.6f ULP%n", what, count, max);
        assertTrue(count > 1000, "too few subnormal results sampled: " + count);
    }

    @Test
    void sigmoidDerivativeFused() {
        double[] x = concat(edges(), sample(42, 1_000_000));
        int n = x.length;
        double[] y = new double[n];
        double[] d = new double[n];
        double[] fy = new double[n];
        double[] fd = new double[n];
        K.sigmoid(x, 0, y, 0, n);
        K.derivative(x, 0, d, 0, n);
        K.fused(x, 0, fy, 0, fd, 0, n);
        for (int i = 0; i < n; i++) { // fused must give the same bits as the separate kernels
            assertEquals(Double.doubleToLongBits(y[i]), Double.doubleToLongBits(fy[i]), "fused y at x=" + x[i]);
            assertEquals(Double.doubleToLongBits(d[i]), Double.doubleToLongBits(fd[i]), "fused d at x=" + x[i]);
        }
        Stats[] sy = errors(n, i -> Ulps.error(y[i], Reference.sigmoidDD(x[i])), y, x, null);
        Stats[] sd = errors(n, i -> Ulps.error(d[i], Reference.derivativeDD(x[i])), d, x, null);
        print("sigmoid", sy);
        print("derivative", sd);
        assertTrue(sy[0].max <= 1.0, () -> "σ error " + sy[0].max + " ULP at x=" + sy[0].at);
        assertTrue(sd[0].max <= 2.0, () -> "σ' error " + sd[0].max + " ULP at x=" + sd[0].at);
        checkSubnormals("sigmoid", x, y, Exact::sigmoid);
        checkSubnormals("derivative", x, d, Exact::derivative);
    }

    /** g values: uniform [−1, 1], log-uniform magnitudes 2^-1074..2^1023 both signs, and specials. */
    static double[] gradients(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] sp = {0.0, -0.0, 1.0, -1.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, Double.NaN,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0x1p1000, 0x1p-1000};
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(16);
            if (c == 0) {
                g[i] = sp[rnd.nextInt(sp.length)];
            } else if (c < 8) {
                g[i] = -1 + 2 * rnd.nextDouble();
            } else {
                double m = Math.scalb(1 + rnd.nextDouble(), -1074 + rnd.nextInt(2098));
                g[i] = rnd.nextBoolean() ? m : -m;
            }
        }
        return g;
    }

    @Test
    void backward() {
        double[] x = concat(edges(), sample(7, 1_000_000));
        int n = x.length;
        double[] g = gradients(8, n);
        double[] out = new double[n];
        K.backward(x, 0, g, 0, out, 0, n);
        // The reference rounds σ' to double-double before multiplying by g: where σ' is below ~2^-1010
        // (|x| > 700) that loses relative precision, so it is only used there with |g| ≤ 1;
        // backwardBeyondTheReference checks the rest against BigDecimal.
        Stats[] s = errors(n, i -> Math.abs(x[i]) > 700 && !(Math.abs(g[i]) <= 1)
                ? -1 : Ulps.error(out[i], Reference.backwardDD(x[i], g[i])), out, x, g);
        print("backward", s);
        assertTrue(s[0].max <= 3.0, () -> "backward error " + s[0].max + " ULP at x=" + s[0].at + ", g=" + s[0].atG);
    }

    @Test
    void backwardBeyondTheReference() {
        SplittableRandom rnd = new SplittableRandom(9);
        int n = 4000;
        double[] x = new double[n];
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            double m = 690 + 780 * rnd.nextDouble(); // σ' from ~2^-995 down to below 2^-2100
            x[i] = rnd.nextBoolean() ? m : -m;
            double gm = Math.scalb(1 + rnd.nextDouble(), rnd.nextInt(1324) - 300);
            g[i] = rnd.nextBoolean() ? gm : -gm;
        }
        double[] out = new double[n];
        K.backward(x, 0, g, 0, out, 0, n);
        double max = 0;
        int normal = 0;
        for (int i = 0; i < n; i++) {
            BigDecimal exact = Exact.derivative(x[i]).multiply(new BigDecimal(g[i]), Exact.MC);
            double err = Exact.ulpError(out[i], exact);
            max = Math.max(max, err);
            if (Math.abs(out[i]) >= Double.MIN_NORMAL) {
                normal++;
            }
            int fi = i;
            assertTrue(err <= 1.0, () -> "backward(" + x[fi] + ", " + g[fi] + ") = " + out[fi] + ", exact " + exact + ": " + err + " ULP");
        }
        System.out.printf("F64 backward |x|>690, |g| 2^-300..2^1024 vs BigDecimal: n=%d (%d normal results), max %.6f ULP%n", n, normal, max);
        double[] inf = {Double.POSITIVE_INFINITY};
        double[] o = new double[1];
        K.backward(new double[] {-1000}, 0, inf, 0, o, 0, 1);
        assertEquals(Double.POSITIVE_INFINITY, o[0], "Inf·σ'(−1000): σ' > 0");
        K.backward(new double[] {Double.NEGATIVE_INFINITY}, 0, inf, 0, o, 0, 1);
        assertTrue(Double.isNaN(o[0]), "Inf·σ'(−Inf) = Inf·0");
    }

    @Test
    void backwardFromOutput() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 1_000_000;
        double[] yv = new double[n];
        double[] xs = sample(12, n);
        K.sigmoid(xs, 0, yv, 0, n); // realistic outputs, subnormal ones included
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(8)) {
                case 0 -> yv[i] = rnd.nextDouble();
                case 1 -> yv[i] = 1 - Math.scalb(1 + rnd.nextDouble(), -rnd.nextInt(60)); // near 1
                case 2 -> yv[i] = Math.scalb(rnd.nextDouble() - 0.5, rnd.nextInt(1000) - 500); // outside [0, 1]
                case 3 -> yv[i] = new double[] {0.0, -0.0, 1.0, 0.5, Double.MIN_VALUE, Double.NaN, Double.POSITIVE_INFINITY,
                    Math.nextDown(1.0), Math.nextUp(1.0), 2.0, -1.0}[rnd.nextInt(11)];
                default -> {
                }
            }
        }
        double[] g = gradients(13, n);
        double[] out = new double[n];
        K.backwardFromOutput(yv, 0, g, 0, out, 0, n);
        // the reference overflows to NaN when y(1−y) or g·y(1−y) overflows: only finite references are used
        Stats[] s = errors(n, i -> {
            DoubleDouble r = Reference.backwardFromOutputDD(yv[i], g[i]);
            boolean inputsFinite = Double.isFinite(yv[i]) && Double.isFinite(g[i]);
            if (inputsFinite && !Double.isFinite(r.hi())) {
                return -1;
            }
            return Ulps.error(out[i], r);
        }, out, yv, g);
        print("backwardFromOutput", s);
        assertTrue(s[0].max <= 3.0, () -> "backwardFromOutput error " + s[0].max + " ULP at y=" + s[0].at + ", g=" + s[0].atG);
    }
}
