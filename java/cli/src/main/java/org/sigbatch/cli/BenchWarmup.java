package org.sigbatch.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Warms one bench case up until its timing is stable, instead of for a fixed time: a JIT-compiled
 * kernel can take seconds to reach speed (the CPU's Vector API loops), a GPU pays module loading,
 * first launches and pinned allocations on its first calls.
 *
 * <p>Criterion: warm-up samples are timed like the measured ones (each about {@link #SAMPLE_SECONDS}
 * of calls); the case is stable when the median time per call of the last {@link #WINDOW} samples is
 * within {@link #TOLERANCE} of the median of the {@link #WINDOW} before, and the warm-up has lasted
 * at least {@link #MIN_SECONDS}. Medians, so one preempted sample on a busy machine does not reset
 * it; two windows, so a kernel still speeding up (JIT tiers) does not pass; a minimum time, so a short
 * slow-but-steady phase (code not yet compiled) does not pass either. Cap: the --warmup seconds; a
 * case that is not stable by then is measured anyway and reported as not stabilised.
 */
final class BenchWarmup {
    static final int WINDOW = 5;
    static final double TOLERANCE = 0.05;
    static final double SAMPLE_SECONDS = 2e-3;
    static final double MIN_SECONDS = 0.25;

    /**
     * What a case's warm-up did.
     *
     * @param perCall the last window's median seconds per call (the estimate the timed samples start from)
     * @param before  the median of the window before, NaN if there was none
     */
    record Outcome(double seconds, int samples, boolean stable, boolean off, double perCall, double before) {
        /** Why the case is not stable, for the report; null if it is. */
        String problem() {
            if (stable) {
                return null;
            }
            if (off) {
                return "warm-up off";
            }
            if (Double.isNaN(before)) {
                return String.format(Locale.ROOT, "not stable after %.1f s (%d samples)", seconds, samples);
            }
            return String.format(Locale.ROOT, "not stable after %.1f s: window medians %s and %s per call, %.0f%% apart",
                    seconds, Format.time(before), Format.time(perCall), 100 * Math.abs(perCall - before) / before);
        }
    }

    private BenchWarmup() {
    }

    /** Calls {@code call} until stable or {@code capSeconds}; at least twice, also with a cap of 0 ("off"). */
    static Outcome run(Runnable call, double capSeconds) {
        return run(call, capSeconds, System::nanoTime);
    }

    /** The same with a clock in nanoseconds (tests drive it). */
    static Outcome run(Runnable call, double capSeconds, LongSupplier clock) {
        long t0 = clock.getAsLong();
        call.run(); // the first calls may load modules, allocate pinned buffers, compile
        call.run();
        double est = (clock.getAsLong() - t0) / 2e9;
        if (capSeconds <= 0) {
            return new Outcome((clock.getAsLong() - t0) / 1e9, 2, false, true, est, Double.NaN);
        }
        long cap = (long) (capSeconds * 1e9);
        List<Double> perCall = new ArrayList<>();
        while (true) {
            int inner = callsPerSample(est);
            long s0 = clock.getAsLong();
            for (int i = 0; i < inner; i++) {
                call.run();
            }
            est = (clock.getAsLong() - s0) / 1e9 / inner;
            perCall.add(est);
            int k = perCall.size();
            double last = k >= WINDOW ? median(perCall.subList(k - WINDOW, k)) : est;
            double before = k >= 2 * WINDOW ? median(perCall.subList(k - 2 * WINDOW, k - WINDOW)) : Double.NaN;
            long elapsed = clock.getAsLong() - t0;
            boolean stable = !Double.isNaN(before) && Math.abs(last - before) <= TOLERANCE * before && elapsed >= MIN_SECONDS * 1e9;
            if (stable || elapsed > cap) {
                return new Outcome(elapsed / 1e9, k, stable, false, last, before);
            }
        }
    }

    /** Enough calls for a sample of about {@link #SAMPLE_SECONDS}, between 1 and 10^6. */
    static int callsPerSample(double secondsPerCall) {
        return (int) Math.max(1, Math.min(1_000_000, Math.ceil(SAMPLE_SECONDS / Math.max(secondsPerCall, 1e-9))));
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        return Bench.quantile(s, 0.5);
    }
}
