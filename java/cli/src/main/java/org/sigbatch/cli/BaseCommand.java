package org.sigbatch.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sigbatch.BackendKind;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options and helpers every command shares. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-q", "--quiet"}, description = "Print only results and errors (no progress bar, no provenance line).")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "Print per-call provenance and library log messages.")
    boolean verbose;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
            description = "Backend option, e.g. cpu.threads=1, opencl.device=1, cuda.device=0 (same as -Dsigbatch.KEY=VALUE).")
    Map<String, String> backendOptions = new LinkedHashMap<>();

    @Option(names = "--precision", paramLabel = "P",
            description = "Accuracy tier: accurate (default; σ, σ' ≤ 0.501 ULP) or fast (float only: σ ≤ 3, σ' ≤ 2.5 ULP, 2-3x faster). "
                    + "Same as -Dsigbatch.precision or SIGBATCH_PRECISION.")
    void precision(String p) {
        try {
            backendOptions.put("precision", org.sigbatch.Precision.parse(p).id());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--precision: " + e.getMessage());
        }
    }

    /** Set by {@link EvalFastPath}, which runs a command without picocli (then {@link #spec} is null). */
    private PrintWriter fastOut;
    private PrintWriter fastErr;
    private String fastName;

    void attach(PrintWriter out, PrintWriter err, String qualifiedName) {
        fastOut = out;
        fastErr = err;
        fastName = qualifiedName;
    }

    PrintWriter out() {
        return fastOut != null ? fastOut : spec.commandLine().getOut();
    }

    PrintWriter err() {
        return fastErr != null ? fastErr : spec.commandLine().getErr();
    }

    String name() {
        return fastName != null ? fastName : spec.qualifiedName();
    }

    /** Info for a person on stderr (suppressed by --quiet). */
    void info(String line) {
        if (!quiet) {
            err().println(name() + ": " + line);
        }
    }

    boolean showProgress() {
        return !quiet && Progress.interactive();
    }

    @Override
    public final Integer call() throws Exception {
        Main.quietLibraryLogging(verbose);
        return run();
    }

    abstract int run() throws Exception;

    Sigmoid open(BackendKind kind, VerifyPolicy verify) {
        return open(kind, verify, Map.of());
    }

    /** With {@code defaults} for options the user did not set (with -o or -Dsigbatch.KEY). */
    Sigmoid open(BackendKind kind, VerifyPolicy verify, Map<String, String> defaults) {
        Sigmoid.Builder b = Sigmoid.builder().backend(kind).verify(verify);
        defaults.forEach((k, v) -> {
            if (!backendOptions.containsKey(k) && System.getProperty("sigbatch." + k) == null) {
                b.option(k, v);
            }
        });
        backendOptions.forEach(b::option);
        return b.build();
    }

    static BackendKind backendKind(String s, String option) {
        try {
            return BackendKind.parse(s);
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": " + e.getMessage());
        }
    }
}
