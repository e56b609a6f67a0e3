package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.testing.Hardware;

/**
 * backward(x, g) = g·σ'(x) of every float32 candidate on a dense sample: every 255th float32 bit
 * pattern (16.8M x, all finite ones among them) with gradients of random sign and exponent (2^−30..2^30)
 * and mantissa, against g·σ'(x) in double. ACCURATE within 1 ULP (issue 9), FAST within its bound.
 */
class BackwardDenseTest {
    @Test
    void everyCandidateOnADenseSample() {
        Assumptions.assumeTrue(Hardware.exhaustive(), "exhaustive tests run with -Dsigbatch.exhaustive=true (make test)");
        List<Kernels.F32Candidate> ks = Kernels.f32Candidates().stream().filter(Kernels.F32Candidate::present).toList();
        int stride = 255;
        int n = (int) ((1L << 32) / stride);
        int chunk = 1 << 16;
        double[][] worst = new double[ks.size()][3]; // max, x, g
        IntStream.range(0, (n + chunk - 1) / chunk).parallel().forEach(c -> {
            int from = c * chunk;
            int len = Math.min(n, from + chunk) - from;
            SplittableRandom rnd = new SplittableRandom(c);
            float[] x = new float[len];
            float[] g = new float[len];
            double[] ref = new double[len];
            for (int i = 0; i < len; i++) {
                x[i] = Float.intBitsToFloat((int) ((long) (from + i) * stride));
                g[i] = (float) Math.scalb((rnd.nextBoolean() ? 1 : -1) * (1 + rnd.nextDouble()), rnd.nextInt(61) - 30);
                ref[i] = Reference.backward(x[i], g[i]);
            }
            float[] out = new float[len];
            for (int k = 0; k < ks.size(); k++) {
                ks.get(k).kernels().backward(x, 0, g, 0, out, 0, len);
                double m = -1;
                int at = 0;
                for (int i = 0; i < len; i++) {
                    double e = Ulps.error(out[i], ref[i]);
                    if (!(e <= m)) {
                        m = e;
                        at = i;
                    }
                }
                synchronized (worst) {
                    if (!(m <= worst[k][0])) {
                        worst[k] = new double[] {m, x[at], g[at]};
                    }
                }
            }
        });
        List<String> failures = new ArrayList<>();
        for (int k = 0; k < ks.size(); k++) {
            Kernels.F32Candidate c = ks.get(k);
            double bound = c.tier() == Precision.ACCURATE ? 1.0 : c.tier().bound(Op.BACKWARD, 0);
            System.out.printf(Locale.ROOT, "%-9s %-22s backward on %d inputs: max %.6f ULP at x=%s g=%s (bound %.1f)%n",
                    c.id(), c.kernels().name(), n, worst[k][0], (float) worst[k][1], (float) worst[k][2], bound);
            if (!(worst[k][0] <= bound)) {
                failures.add(c.id() + ": " + worst[k][0] + " ULP at x=" + (float) worst[k][1] + " g=" + (float) worst[k][2]);
            }
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }
}
