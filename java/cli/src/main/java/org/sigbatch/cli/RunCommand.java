package org.sigbatch.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.SpecialValues;
import org.sigbatch.reference.Ulps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sigbatch run} ({@code make run}): a short benchmark sweep over every available backend,
 * then a large verified batch on the backend AUTO picks, checked element by element against the
 * reference. Writes bench.json, bench.csv, bench.png and eval.json under the output directory.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The main job: a modest bench sweep (cpu and every available GPU backend) and a verified evaluation of a",
                "large float32 batch (fused σ and σ' with --verify sample, every element then checked against the reference).",
                "Writes OUT/bench.json, OUT/bench.csv, OUT/bench.png and OUT/eval.json; the last line is the plot's path."})
final class RunCommand extends BaseCommand {
    @Option(names = "--out-dir", defaultValue = "out", paramLabel = "DIR", description = "Where results go (created if missing; default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = "--sizes", defaultValue = "4K,64K,1M,16M", paramLabel = "SIZES", description = "Bench sizes (default: ${DEFAULT-VALUE}).")
    String sizes;

    @Option(names = "--ops", defaultValue = "sigmoid,fused", paramLabel = "OPS", description = "Bench ops (default: ${DEFAULT-VALUE}).")
    String ops;

    @Option(names = "--repeat", defaultValue = "5", paramLabel = "N", description = "Timed samples per bench case (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "SECONDS",
            description = "Longest warm-up per bench case; it ends when the timing is stable (see bench --help; default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--jit-warmup", defaultValue = "0", paramLabel = "SECONDS",
            description = "Extra fixed warm-up per backend and op before the sweep (default: ${DEFAULT-VALUE}).")
    double jitWarmup;

    @Option(names = "--eval-size", defaultValue = "16M", paramLabel = "N", converter = Converters.SizeConverter.class,
            description = "Elements of the verified batch (default: ${DEFAULT-VALUE}).")
    long evalSize;

    @Override
    int run() throws Exception {
        Bench.Config c = new Bench.Config(BenchCommand.parseOps(ops), List.of(BackendKind.CPU, BackendKind.OPENCL, BackendKind.CUDA),
                Sizes.parseList(sizes, "--sizes"), DType.F32, BenchCommand.checkRepeat(repeat), BenchCommand.checkWarmup(warmup, "--warmup"),
                BenchCommand.checkWarmup(jitWarmup, "--jit-warmup"), backendOptions);
        if (evalSize > Sizes.MAX_ARRAY) {
            throw new UserError("--eval-size: at most " + Sizes.MAX_ARRAY + " elements");
        }
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new UserError("--out-dir " + outDir + ": exists and is not a directory");
        }
        Files.createDirectories(outDir);
        Path json = outDir.resolve("bench.json");
        Path csv = outDir.resolve("bench.csv");
        Path png = outDir.resolve("bench.png");
        var out = out();
        long t0 = System.nanoTime();

        out.println("== 1. bench sweep: " + c.ops().stream().map(Op::label).toList() + " x " + Arrays.stream(c.sizes()).mapToObj(Sizes::format).toList()
                + " float32, every available backend");
        Bench.Outcome o = Bench.run(c, line -> {
            if (verbose) {
                err().println(name() + ": " + line);
            }
        });
        BenchReport.table(o, c, out);
        BenchReport.writeJson(o, c, json, "bench.json");
        BenchReport.writeCsv(o, csv, "bench.csv");
        BenchReport.writePlot(o, c, png, "bench.png");
        out.println("wrote " + json + ", " + csv + ", " + png);

        out.println();
        out.println("== 2. verified batch: " + Sizes.format(evalSize) + " float32, fused σ and σ', backend auto, --verify sample");
        Map<String, Object> ev = verifiedBatch((int) evalSize, out);
        Path evJson = outDir.resolve("eval.json");
        AtomicOutput.write(evJson, "eval.json", Json.write(ev).getBytes(StandardCharsets.UTF_8));
        out.println("wrote " + evJson);
        out.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        boolean pass = (Boolean) ev.get("within_bounds");
        out.println("plot: " + png);
        if (!pass) {
            err().println(name() + ": the verified batch has errors over the bound (see above)");
            return ExitCodes.VERIFICATION_FAILED;
        }
        return ExitCodes.OK;
    }

    /** Evaluates a large batch on AUTO with sampled verification, then checks every element against the reference. */
    private Map<String, Object> verifiedBatch(int n, java.io.PrintWriter out) {
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 60 - 30);
        }
        // the special values at the front: NaN, infinities, zeros, every threshold with its neighbours, the subnormal range
        float[] specials = SpecialValues.f32();
        System.arraycopy(specials, 0, x, 0, Math.min(n, specials.length));
        float[] y = new float[n];
        float[] d = new float[n];
        Map<String, Object> m = new LinkedHashMap<>();
        try (Sigmoid s = open(BackendKind.AUTO, VerifyPolicy.SAMPLE)) {
            long[] t = new long[5];
            Provenance p = null;
            for (int k = 0; k < t.length; k++) {
                long t0 = System.nanoTime();
                p = s.fused(x, y, d);
                t[k] = System.nanoTime() - t0;
            }
            Arrays.sort(t);
            double med = t[t.length / 2] / 1e9;
            out.println("provenance: " + p);
            double[] ey = maxError(x, y, true);
            double[] ed = maxError(x, d, false);
            double by = s.precision().bound(Op.FUSED, 0);
            double bd = s.precision().bound(Op.FUSED, 1);
            boolean okY = ey[0] <= by;
            boolean okD = ed[0] <= bd;
            out.printf(Locale.ROOT, "backend %s [%s]%s%n", p.backend(), p.device(), p.fellBack() ? " (FELL BACK from " + p.fallbackFrom() + ": " + p.fallbackReason() + ")" : ", no fallback");
            out.printf(Locale.ROOT, "time: median %s of %d calls (verification included), %s, %.2f GB/s%s%n", Format.time(med), t.length,
                    Format.rate(n / med), 3.0 * n * 4 / med / 1e9,
                    p.transferNanos() >= 0 ? String.format(Locale.ROOT, "; last call: device busy with transfers %s, kernels %s (overlapping)", Format.time(p.transferNanos() / 1e9),
                            Format.time(p.kernelNanos() / 1e9)) : "");
            out.printf(Locale.ROOT, "verified %d sampled elements per call on the CPU reference: ok%n", p.verifiedElements());
            out.printf(Locale.ROOT, "max error over all %d elements (precision %s): σ %.4f ULP at x=%s (bound %s) %s; σ' %.4f ULP at x=%s (bound %s) %s%n",
                    n, s.precision().id(), ey[0], AccuracyCommand.num(ey[1], DType.F32), Format.bound(by), okY ? "ok" : "FAIL",
                    ed[0], AccuracyCommand.num(ed[1], DType.F32), Format.bound(bd), okD ? "ok" : "FAIL");
            m.put("op", "fused");
            m.put("dtype", "f32");
            m.put("size", n);
            m.put("backend", p.backend());
            m.put("device", p.device());
            m.put("fallback_from", p.fallbackFrom());
            m.put("fallback_reason", p.fallbackReason());
            m.put("verify", "sample");
            m.put("verified_elements_per_call", p.verifiedElements());
            m.put("median_seconds", med);
            m.put("elements_per_second", n / med);
            m.put("transfer_seconds", p.transferNanos() >= 0 ? p.transferNanos() / 1e9 : null);
            m.put("kernel_seconds", p.kernelNanos() >= 0 ? p.kernelNanos() / 1e9 : null);
            m.put("max_ulp_sigmoid", ey[0]);
            m.put("max_ulp_sigmoid_at", (double) (float) ey[1]);
            m.put("max_ulp_derivative", ed[0]);
            m.put("max_ulp_derivative_at", (double) (float) ed[1]);
            m.put("within_bounds", okY && okD);
            m.put("machine", MachineInfo.machine());
            m.put("jdk", MachineInfo.jdk());
        }
        return m;
    }

    /** {max ULP error, argument} over every element, in parallel blocks. */
    private static double[] maxError(float[] x, float[] v, boolean sigmoid) {
        int block = 1 << 16;
        int blocks = (x.length + block - 1) / block;
        return IntStream.range(0, blocks).parallel().mapToObj(b -> {
            double worst = -1;
            double at = Double.NaN;
            int end = Math.min(x.length, (b + 1) * block);
            for (int i = b * block; i < end; i++) {
                double ref = sigmoid ? Reference.sigmoid(x[i]) : Reference.derivative(x[i]);
                double e = Ulps.error(v[i], ref);
                if (!(e <= worst)) {
                    worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                    at = x[i];
                }
            }
            return new double[] {worst, at};
        }).reduce(new double[] {-1, Double.NaN}, (a, b) -> b[0] > a[0] ? b : a);
    }
}
