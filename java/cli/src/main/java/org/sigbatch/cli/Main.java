package org.sigbatch.cli;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;

/** Minimal entry point until the full command line lands: {@code run} evaluates a large verified batch. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 0 || !args[0].equals("run")) {
            System.err.println("usage: sigbatch run");
            System.exit(2);
        }
        int n = 1 << 24;
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 40 - 20);
        }
        float[] y = new float[n];
        float[] d = new float[n];
        try (Sigmoid s = Sigmoid.builder().verify(VerifyPolicy.SAMPLE).build()) {
            System.out.println("backends: " + s.availableBackends() + (s.unavailableBackends().isEmpty() ? "" : ", unavailable: " + s.unavailableBackends()));
            Provenance p = null;
            long[] t = new long[5];
            for (int k = 0; k < t.length; k++) {
                p = s.fused(x, y, d);
                t[k] = p.nanos();
            }
            Arrays.sort(t);
            double maxY = 0;
            double maxD = 0;
            for (int i = 0; i < n; i++) {
                maxY = Math.max(maxY, Ulps.error(y[i], Reference.sigmoid(x[i])));
                maxD = Math.max(maxD, Ulps.error(d[i], Reference.derivative(x[i])));
            }
            System.out.println(p);
            System.out.printf("fused sigma+sigma' on %d float32: median %.2f ms, %.3f Gelem/s; max error %.4f ULP (sigma), %.4f ULP (sigma')%n",
                    n, t[2] / 1e6, n / (double) t[2], maxY, maxD);
            System.out.println("choice for " + n + " elements: " + s.choose(Op.FUSED, DType.F32, n));
        }
    }
}
