package org.sigbatch.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sigbatch bench}: throughput of each backend × op × size, with CSV, JSON and a chart. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure wall time, throughput and GB/s of each backend x op x size (host arrays in and out, so GPU times",
                "include transfers), the speed-up over the CPU and the size from which a GPU backend wins."})
final class BenchCommand extends BaseCommand {
    @Option(names = "--ops", defaultValue = "sigmoid,fused", paramLabel = "OPS",
            description = "Comma-separated ops: sigmoid, derivative, fused, backward, backward-from-output, or all (default: ${DEFAULT-VALUE}).")
    String ops;

    @Option(names = "--backends", defaultValue = "all", paramLabel = "B",
            description = "Comma-separated backends (cpu, opencl, cuda) or all (default: ${DEFAULT-VALUE}). Unavailable ones are listed and skipped; "
                    + "if none of those named is available the exit code is 3.")
    String backends;

    @Option(names = "--sizes", defaultValue = "4K,256K,4M,64M", paramLabel = "SIZES",
            description = "Comma-separated element counts with binary suffixes, e.g. 4K,16M,1G (default: ${DEFAULT-VALUE}).")
    String sizes;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "T", converter = Converters.DTypeConverter.class,
            description = "f32 or f64 (default: ${DEFAULT-VALUE}).")
    DType dtype;

    @Option(names = "--repeat", defaultValue = "10", paramLabel = "N", description = "Timed samples per case (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "SECONDS",
            description = "Longest warm-up per case: it ends as soon as the median time of the last 5 warm-up samples is within 5%% of the 5 before; "
                    + "a case not stable by then is flagged (default: ${DEFAULT-VALUE}; 0: no warm-up at all, not even the CPU's JIT).")
    double warmup;

    @Option(names = "--jit-warmup", defaultValue = "0", paramLabel = "SECONDS",
            description = "Extra fixed warm-up per backend and op before the first case, on a 64K batch (default: ${DEFAULT-VALUE}).")
    double jitWarmup;

    @Option(names = "--csv", paramLabel = "F.csv", description = "Write the results as CSV (one row per case, with the machine and JDK).")
    Path csv;

    @Option(names = "--json", paramLabel = "F.json", description = "Write the results as JSON (see docs/cli.md for the shape).")
    Path json;

    @Option(names = "--plot", paramLabel = "F.png", description = "Write a PNG chart of throughput against size (log axes).")
    Path plot;

    @Override
    int run() throws Exception {
        Bench.Config c = new Bench.Config(parseOps(ops), parseBackends(backends), Sizes.parseList(sizes, "--sizes"), dtype,
                checkRepeat(repeat), checkWarmup(warmup, "--warmup"), checkWarmup(jitWarmup, "--jit-warmup"), backendOptions);
        checkOutputs(csv, json, plot);
        Bench.Outcome o = Bench.run(c, line -> {
            if (verbose) {
                err().println(name() + ": " + line);
            }
        });
        BenchReport.table(o, c, out());
        writeOutputs(o, c, csv, json, plot);
        return ExitCodes.OK;
    }

    void writeOutputs(Bench.Outcome o, Bench.Config c, Path csvFile, Path jsonFile, Path plotFile) throws java.io.IOException {
        if (csvFile != null) {
            BenchReport.writeCsv(o, csvFile, "--csv");
            info("wrote " + csvFile);
        }
        if (jsonFile != null) {
            BenchReport.writeJson(o, c, jsonFile, "--json");
            info("wrote " + jsonFile);
        }
        if (plotFile != null) {
            BenchReport.writePlot(o, c, plotFile, "--plot");
            info("wrote " + plotFile);
        }
    }

    static void checkOutputs(Path csv, Path json, Path plot) {
        if (csv != null) {
            AtomicOutput.checkWritable(csv, "--csv");
        }
        if (json != null) {
            AtomicOutput.checkWritable(json, "--json");
        }
        if (plot != null) {
            AtomicOutput.checkWritable(plot, "--plot");
        }
    }

    static int checkRepeat(int n) {
        if (n < 1) {
            throw new UserError("--repeat must be at least 1, got " + n);
        }
        return n;
    }

    static double checkWarmup(double s, String option) {
        if (!(s >= 0) || s > 3600) {
            throw new UserError(option + " must be between 0 and 3600 seconds, got " + s);
        }
        return s;
    }

    static List<Op> parseOps(String s) {
        List<Op> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            if (part.trim().equalsIgnoreCase("all")) {
                for (Op op : Op.values()) {
                    if (!out.contains(op)) {
                        out.add(op);
                    }
                }
                continue;
            }
            Op op;
            try {
                op = Op.parse(part);
            } catch (IllegalArgumentException e) {
                throw new UserError("--ops: " + e.getMessage());
            }
            if (!out.contains(op)) {
                out.add(op);
            }
        }
        return out;
    }

    static List<BackendKind> parseBackends(String s) {
        List<BackendKind> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            if (part.trim().equalsIgnoreCase("all")) {
                for (BackendKind k : List.of(BackendKind.CPU, BackendKind.OPENCL, BackendKind.CUDA)) {
                    if (!out.contains(k)) {
                        out.add(k);
                    }
                }
                continue;
            }
            BackendKind k = backendKind(part, "--backends");
            if (k == BackendKind.AUTO) {
                throw new UserError("--backends: name the backends to measure (cpu, opencl, cuda or all), not auto");
            }
            if (!out.contains(k)) {
                out.add(k);
            }
        }
        // the CPU first: it is the yardstick for the speed-ups
        out.sort((a, b) -> Boolean.compare(b == BackendKind.CPU, a == BackendKind.CPU));
        return out;
    }
}
