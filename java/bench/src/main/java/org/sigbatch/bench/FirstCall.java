package org.sigbatch.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.sigbatch.BackendKind;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * The library's first call, measured the only honest way: in a fresh JVM. Builds a CPU evaluator,
 * times the first {@code sigmoid} call on N float32 elements, then the steady state (median of the
 * last 10 of 30 further calls), and prints one line of key=value pairs. Modes:
 * {@code auto} (the default background warm-up, no waiting), {@code warmup} (calls
 * {@link Sigmoid#warmUp()} first and reports how long it took), {@code off} ({@code cpu.warmup=off}:
 * SIMD from the first element). scripts/first-call.sh runs the modes interleaved in fresh JVMs.
 *
 * <p>Usage: java --add-modules jdk.incubator.vector -cp benchmarks.jar org.sigbatch.bench.FirstCall MODE [N]
 */
public final class FirstCall {
    private FirstCall() {
    }

    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "auto";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1 << 24;
        float[] x = new float[n];
        float[] y = new float[n];
        SplittableRandom r = new SplittableRandom(16);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 40 - 20);
        }
        long b0 = System.nanoTime();
        Sigmoid.Builder b = Sigmoid.builder().backend(BackendKind.CPU);
        if (mode.equals("off")) {
            b.option("cpu.warmup", "off");
        }
        try (Sigmoid s = b.build()) {
            double build = (System.nanoTime() - b0) / 1e9;
            double warm = mode.equals("warmup") ? s.warmUp().toNanos() / 1e9 : 0;
            double uptime = ManagementFactory.getRuntimeMXBean().getUptime() / 1e3;
            long t0 = System.nanoTime();
            Provenance first = s.sigmoid(x, y);
            double firstCall = (System.nanoTime() - t0) / 1e9;
            double[] t = new double[30];
            for (int k = 0; k < t.length; k++) {
                long c0 = System.nanoTime();
                s.sigmoid(x, y);
                t[k] = (System.nanoTime() - c0) / 1e9;
            }
            double[] last = Arrays.copyOfRange(t, 20, 30);
            Arrays.sort(last);
            double steady = (last[4] + last[5]) / 2;
            System.out.printf(Locale.ROOT, "mode=%s n=%d build_s=%.4f warmup_s=%.4f jvm_uptime_before_first_s=%.3f first_call_s=%.4f steady_call_s=%.4f ratio=%.2f"
                    + " first_device=\"%s\"%n", mode, n, build, warm, uptime, firstCall, steady, firstCall / steady, first.device());
        }
    }
}
