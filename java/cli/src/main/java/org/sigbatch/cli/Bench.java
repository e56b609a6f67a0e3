package org.sigbatch.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;

/**
 * The benchmark behind {@code sigbatch bench} and {@code sigbatch run}: every evaluator's
 * {@link Sigmoid#warmUp()} first (the CPU's JIT), then for each size, backend and op a warm-up until
 * the case's timing is stable ({@link BenchWarmup}, capped at --warmup seconds), then {@code repeat}
 * samples of wall time (each sample averages enough calls to last about a millisecond, so that small
 * sizes are not timer noise). Host arrays in, host arrays out: GPU figures include the transfers,
 * which is what a caller with host data pays.
 */
final class Bench {
    /**
     * @param warmupSeconds    the longest warm-up per case (it ends earlier when the timing is stable); 0: none
     * @param jitWarmupSeconds extra fixed warm-up once per backend and op before any case, on a 64K batch
     */
    record Config(List<Op> ops, List<BackendKind> backends, long[] sizes, DType dtype, int repeat, double warmupSeconds,
                  double jitWarmupSeconds, Map<String, String> options) {
    }

    /** One measured case. Times in seconds; transfer/kernel NaN where the backend does not report them. */
    record Result(String backend, String device, Op op, DType dtype, long size, int repeats, int callsPerSample,
                  double median, double min, double max, double p25, double p75,
                  double transfer, double kernel, int fallbacks, BenchWarmup.Outcome warmup) {
        Result(String backend, String device, Op op, DType dtype, long size, int repeats, int callsPerSample, double median, double min, double max,
               double p25, double p75, double transfer, double kernel, int fallbacks) {
            this(backend, device, op, dtype, size, repeats, callsPerSample, median, min, max, p25, p75, transfer, kernel, fallbacks,
                    new BenchWarmup.Outcome(0, 0, false, true, Double.NaN, Double.NaN));
        }

        double elementsPerSecond() {
            return size / median;
        }

        /** Bytes read + written per second (inputs and outputs of the op), in GB/s (10^9). */
        double gbPerSecond() {
            return (double) size * (op.inputs() + op.outputs()) * dtype.bytes() / median / 1e9;
        }
    }

    /** Where a GPU backend starts to beat the CPU for one op: the smallest size from which it wins at every larger size. */
    record Crossover(String backend, Op op, DType dtype, Long size, String note) {
    }

    record Outcome(List<Result> results, Map<String, String> devices, Map<String, String> skipped, List<Crossover> crossovers) {
        /** Median CPU time for the same op and size, or NaN. */
        double speedup(Result r) {
            for (Result c : results) {
                if (c.backend().equals("cpu") && c.op() == r.op() && c.size() == r.size() && c.dtype() == r.dtype()) {
                    return c.median() / r.median();
                }
            }
            return Double.NaN;
        }
    }

    private Bench() {
    }

    /**
     * Opens the requested backends; unavailable ones go to {@code skipped} with their reason. If every
     * requested backend is unavailable, throws the first {@link BackendUnavailableException}.
     */
    static Map<String, Sigmoid> open(Config c, Map<String, String> skipped) {
        Map<String, Sigmoid> open = new LinkedHashMap<>();
        BackendUnavailableException first = null;
        for (BackendKind k : c.backends()) {
            try {
                Sigmoid.Builder b = Sigmoid.builder().backend(k).verify(VerifyPolicy.NONE);
                c.options().forEach(b::option);
                open.put(k.id(), b.build());
            } catch (BackendUnavailableException e) {
                skipped.put(k.id(), e.getMessage());
                first = first == null ? e : first;
            }
        }
        if (open.isEmpty() && first != null) {
            throw first;
        }
        return open;
    }

    static Outcome run(Config c, Consumer<String> progress) {
        checkMemory(c);
        Map<String, String> skipped = new LinkedHashMap<>();
        Map<String, Sigmoid> evaluators = open(c, skipped);
        try {
            Map<String, String> devices = new LinkedHashMap<>();
            evaluators.forEach((id, s) -> devices.put(id, s.deviceName(id)));
            List<Result> results = new ArrayList<>();
            if (c.warmupSeconds() > 0) {
                for (var e : evaluators.entrySet()) {
                    progress.accept("warming up " + e.getKey() + ": " + e.getValue().warmUp().toMillis() + " ms");
                }
            }
            if (c.jitWarmupSeconds() > 0) {
                Data w = new Data(c.dtype(), (int) Math.min(1 << 16, c.sizes()[c.sizes().length - 1]));
                for (var e : evaluators.entrySet()) {
                    for (Op op : c.ops()) {
                        progress.accept("warming up " + e.getKey() + " " + op.label());
                        long t0 = System.nanoTime();
                        do {
                            w.call(e.getValue(), op);
                        } while (System.nanoTime() - t0 < c.jitWarmupSeconds() * 1e9);
                    }
                }
            }
            for (long size : c.sizes()) {
                Data d = new Data(c.dtype(), (int) size);
                for (var e : evaluators.entrySet()) {
                    for (Result r : measure(e.getValue(), e.getKey(), c.ops(), d, c)) {
                        results.add(r);
                        progress.accept(String.format(Locale.ROOT, "%s %s %s: %s", e.getKey(), r.op().label(), Sizes.format(size), Format.rate(r.elementsPerSecond())));
                    }
                }
            }
            return new Outcome(results, devices, skipped, crossovers(results, c));
        } finally {
            evaluators.values().forEach(Sigmoid::close);
        }
    }

    /** Three arrays of the largest size must fit in the heap; say so clearly rather than die with OutOfMemoryError. */
    private static void checkMemory(Config c) {
        long max = Arrays.stream(c.sizes()).max().orElse(0);
        if (max > Sizes.MAX_ARRAY) {
            throw new UserError("--sizes: " + Sizes.format(max) + " elements is more than a Java array holds (" + Sizes.MAX_ARRAY + ")");
        }
        long need = 3 * max * c.dtype().bytes();
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap * 0.85) {
            throw new UserError("--sizes: " + Sizes.format(max) + " " + c.dtype() + " elements need about " + Sizes.bytes(need)
                    + " of heap (3 arrays), the JVM has " + Sizes.bytes(heap) + "; use smaller sizes or raise -Xmx (SIGBATCH_JAVA_OPTS=-Xmx..)");
        }
    }

    /** Inputs and outputs for one size, shared by every backend and op. */
    static final class Data {
        final DType t;
        final int n;
        float[] fx;
        float[] fg;
        float[] fy;
        float[] fd;
        double[] dx;
        double[] dg;
        double[] dy;
        double[] dd;

        Data(DType t, int n) {
            this.t = t;
            this.n = n;
            SplittableRandom r = new SplittableRandom(n);
            if (t == DType.F32) {
                fx = new float[n];
                fg = new float[n];
                for (int i = 0; i < n; i++) {
                    fx[i] = (float) (r.nextDouble() * 40 - 20);
                    fg[i] = (float) r.nextDouble();
                }
                fy = new float[n];
                fd = fg; // backward reads g and writes y; fused writes y and d: d may reuse g's array
            } else {
                dx = new double[n];
                dg = new double[n];
                for (int i = 0; i < n; i++) {
                    dx[i] = r.nextDouble() * 40 - 20;
                    dg[i] = r.nextDouble();
                }
                dy = new double[n];
                dd = dg;
            }
        }

        Provenance call(Sigmoid s, Op op) {
            // backward-from-output reads y: the gradOut array holds values in [0, 1)
            if (t == DType.F32) {
                Operand x = Operand.of(op == Op.BACKWARD_FROM_OUTPUT ? fg : fx);
                return s.apply(op, op.operands(x, Operand.of(fg), Operand.of(fy), Operand.of(fd)));
            }
            Operand x = Operand.of(op == Op.BACKWARD_FROM_OUTPUT ? dg : dx);
            return s.apply(op, op.operands(x, Operand.of(dg), Operand.of(dy), Operand.of(dd)));
        }
    }

    /**
     * The cases of one size and backend: each op warmed up until stable, then the ops' timed samples
     * interleaved (one sample of each op in turn), so that a busy moment on a shared machine or a
     * frequency change hits all of them alike and their ratios stay meaningful.
     */
    private static List<Result> measure(Sigmoid s, String backend, List<Op> ops, Data d, Config c) {
        List<Case> cases = new ArrayList<>();
        for (Op op : ops) {
            cases.add(new Case(s, backend, op, d, c.repeat(), BenchWarmup.run(() -> d.call(s, op), c.warmupSeconds())));
        }
        for (int k = 0; k < c.repeat(); k++) {
            for (Case x : cases) {
                x.sample(k);
            }
        }
        return cases.stream().map(Case::result).toList();
    }

    /** One op's timed samples. */
    private static final class Case {
        final Sigmoid s;
        final String backend;
        final Op op;
        final Data d;
        final BenchWarmup.Outcome warmup;
        final int inner;
        final double[] t;
        final double[] tr;
        final double[] kr;
        int fallbacks;
        String device;

        Case(Sigmoid s, String backend, Op op, Data d, int repeat, BenchWarmup.Outcome warmup) {
            this.s = s;
            this.backend = backend;
            this.op = op;
            this.d = d;
            this.warmup = warmup;
            this.inner = (int) Math.max(1, Math.min(1_000_000, Math.ceil(1e-3 / Math.max(warmup.perCall(), 1e-9))));
            this.t = new double[repeat];
            this.tr = new double[repeat];
            this.kr = new double[repeat];
        }

        void sample(int k) {
            long transfer = 0;
            long kernel = 0;
            boolean haveT = true;
            boolean haveK = true;
            long t0 = System.nanoTime();
            for (int j = 0; j < inner; j++) {
                Provenance p = d.call(s, op);
                haveT &= p.transferNanos() >= 0;
                haveK &= p.kernelNanos() >= 0;
                transfer += Math.max(0, p.transferNanos());
                kernel += Math.max(0, p.kernelNanos());
                if (p.fellBack()) {
                    fallbacks++;
                }
                device = p.backend().equals(backend) ? p.device() : device;
            }
            t[k] = (System.nanoTime() - t0) / 1e9 / inner;
            tr[k] = haveT ? transfer / 1e9 / inner : Double.NaN;
            kr[k] = haveK ? kernel / 1e9 / inner : Double.NaN;
        }

        Result result() {
            double[] sorted = t.clone();
            Arrays.sort(sorted);
            return new Result(backend, device == null ? s.deviceName(backend) : device, op, d.t, d.n, t.length, inner,
                    quantile(sorted, 0.5), sorted[0], sorted[sorted.length - 1], quantile(sorted, 0.25), quantile(sorted, 0.75),
                    median(tr), median(kr), fallbacks, warmup);
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        if (s.length == 0 || Double.isNaN(s[s.length - 1])) { // NaN sorts last: some sample had no split
            return Double.NaN;
        }
        return quantile(s, 0.5);
    }

    /** Linear-interpolated quantile of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    static List<Crossover> crossovers(List<Result> results, Config c) {
        List<Crossover> out = new ArrayList<>();
        List<String> backends = results.stream().map(Result::backend).distinct().filter(b -> !b.equals("cpu")).toList();
        boolean haveCpu = results.stream().anyMatch(r -> r.backend().equals("cpu"));
        if (!haveCpu) {
            return out;
        }
        for (String b : backends) {
            for (Op op : c.ops()) {
                Long from = null;
                boolean winsAll = true;
                long[] sizes = c.sizes();
                for (int i = sizes.length - 1; i >= 0; i--) {
                    Result g = find(results, b, op, sizes[i]);
                    Result cpu = find(results, "cpu", op, sizes[i]);
                    if (g == null || cpu == null) {
                        continue;
                    }
                    if (winsAll && g.median() < cpu.median()) {
                        from = sizes[i];
                    } else {
                        winsAll = false;
                    }
                }
                long largest = sizes[sizes.length - 1];
                String note;
                if (from == null) {
                    note = b + " " + op.label() + " does not beat the CPU at any size measured (up to " + Sizes.format(largest) + ")";
                } else if (from == sizes[0]) {
                    note = b + " " + op.label() + " beats the CPU at every size measured, from " + Sizes.format(from);
                } else {
                    note = b + " " + op.label() + " beats the CPU from " + Sizes.format(from) + " elements on";
                }
                out.add(new Crossover(b, op, c.dtype(), from, note));
            }
        }
        return out;
    }

    private static Result find(List<Result> results, String backend, Op op, long size) {
        for (Result r : results) {
            if (r.backend().equals(backend) && r.op() == op && r.size() == size) {
                return r;
            }
        }
        return null;
    }
}
