package org.sigbatch.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.VerificationException;
import org.sigbatch.Sigmoid;
import org.sigbatch.spi.StartupTrace;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sigbatch}: evaluate σ, σ' and the backward step over .npy files, benchmark and check the
 * backends. Exit codes: see {@link ExitCodes}. Every error is one line on stderr.
 */
@Command(name = "sigbatch",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Logistic sigmoid σ(x)=1/(1+e^-x), its derivative and the backward step over large batches, on CUDA, OpenCL or the CPU.",
        footer = {"", "Exit codes: 0 ok, 1 internal error, 2 bad input or usage, 3 backend unavailable, 4 verification failed."})
public final class Main implements Runnable {
    /** Held so that JUL does not drop the configured level with a garbage-collected logger. */
    private static final Logger SIGBATCH_LOG = Logger.getLogger("org.sigbatch");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "no command given (one of: eval, bench, devices, accuracy, run; try sigbatch --help)");
    }

    public static void main(String[] args) {
        StartupTrace.mark("main");
        prestartCpuWarmup(args);
        preloadBackends(args);
        System.setProperty("java.awt.headless", "true");
        PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
        int rc = execute(args, out, err);
        out.flush();
        err.flush();
        StartupTrace.mark("exit " + rc);
        System.exit(rc);
    }

    /** Runs a command line with the given streams and returns the exit code (tests call this in-process). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        System.setProperty("java.awt.headless", "true");
        quietLibraryLogging(false);
        EvalCommand fast = EvalFastPath.parse(args);
        if (fast != null) {
            return executeFast(fast, out, err);
        }
        CommandLine cl = new CommandLine(new Main());
        addSubcommands(cl, args);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> failure(ex, cmd));
        StartupTrace.mark("picocli model built");
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Runs an eval that {@link EvalFastPath} parsed, with the same exit codes and messages as through picocli. */
    private static int executeFast(EvalCommand eval, PrintWriter out, PrintWriter err) {
        String name = "sigbatch eval";
        eval.attach(out, err, name);
        StartupTrace.mark("eval line parsed without picocli");
        try {
            return eval.call();
        } catch (Exception ex) {
            return failure(ex, name, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The subcommands, in the order {@code --help} lists them. */
    private static List<Class<?>> commands() { // a method, not a static field: EvalFastPath's runs load no picocli command class
        return List.of(EvalCommand.class, BenchCommand.class, DevicesCommand.class, AccuracyCommand.class, RunCommand.class,
                CommandLine.HelpCommand.class);
    }

    /**
     * Picocli builds a command's model by reflection when it is added (~0.1 s of one core for all of them,
     * docs/first-call.md): a command line that names one command gets only that one; anything else
     * (no command, --help, help, a typo) gets them all, so usage and error messages are unchanged.
     */
    static void addSubcommands(CommandLine cl, String[] args) {
        String first = args.length == 0 ? "" : args[0];
        for (Class<?> c : commands()) {
            if (c != CommandLine.HelpCommand.class && c.getAnnotation(Command.class).name().equals(first)) {
                cl.addSubcommand(c);
                return;
            }
        }
        commands().forEach(cl::addSubcommand);
    }

    /**
     * eval loads the drivers of the backends it will open (CPU kernels, CUDA, OpenCL/PoCL: ~0.1 s) on a
     * background thread while picocli builds its model and parses, on the machine's other core. The
     * backend is taken from the raw arguments; a wrong guess only wastes that thread's work, since
     * opening, selection and reporting are unchanged ({@link Sigmoid#preload}).
     */
    static void preloadBackends(String[] args) {
        if (args.length == 0 || !args[0].equals("eval")) {
            return;
        }
        String backend = "auto";
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--backend") && i + 1 < args.length) {
                backend = args[i + 1];
            } else if (args[i].startsWith("--backend=")) {
                backend = args[i].substring("--backend=".length());
            }
        }
        try {
            Sigmoid.preload(backend);
        } catch (RuntimeException e) {
            // a blank --backend: picocli reports it
        }
    }

    /**
     * bench and run start the CPU kernels' JIT warm-up ({@link Sigmoid#startWarmUp()}) before the command line is
     * parsed and the backends are opened, which takes a few hundred milliseconds. The evaluator opened
     * later joins the same warm-up.
     */
    static void prestartCpuWarmup(String[] args) {
        if (args.length == 0 || !(args[0].equals("bench") || args[0].equals("run"))) { // eval decides from the file's size
            return;
        }
        for (String a : args) {
            String o = a.replace(" ", "");
            if (o.equalsIgnoreCase("cpu.warmup=off") || o.equalsIgnoreCase("cpu.simd=off")) {
                return;
            }
        }
        if ("off".equalsIgnoreCase(System.getProperty("sigbatch.cpu.warmup", "").trim())
                || "off".equalsIgnoreCase(System.getProperty("sigbatch.cpu.simd", "").trim())) {
            return;
        }
        Sigmoid.startWarmUp();
    }

    /**
     * The core logs "backend X unavailable" at INFO/WARNING; the CLI reports those itself (devices,
     * exit code 3), so library logging shows only errors unless --verbose.
     */
    static void quietLibraryLogging(boolean verbose) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "sigbatch: %4$s: %5$s%6$s%n");
        }
        SIGBATCH_LOG.setLevel(verbose ? Level.INFO : Level.SEVERE);
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        return ExitCodes.BAD_INPUT;
    }

    static int failure(Exception ex, CommandLine cmd) {
        return failure(ex, cmd.getCommandSpec().qualifiedName(), cmd.getErr());
    }

    static int failure(Exception ex, String name, PrintWriter err) {
        int code;
        String msg;
        Throwable t = ex;
        if (t instanceof UserError u) {
            code = u.exitCode();
            msg = u.getMessage();
        } else if (t instanceof BackendUnavailableException) {
            code = ExitCodes.BACKEND_UNAVAILABLE;
            msg = t.getMessage();
        } else if (t instanceof UnsupportedOperationException) {
            code = ExitCodes.BACKEND_UNAVAILABLE;
            msg = t.getMessage();
        } else if (t instanceof VerificationException) {
            code = ExitCodes.VERIFICATION_FAILED;
            msg = "verification failed: " + t.getMessage();
        } else if (t instanceof IllegalArgumentException) {
            code = ExitCodes.BAD_INPUT; // NpyFormatException and bad values from the core
            msg = t.getMessage();
        } else if (t instanceof NoSuchFileException f) {
            code = ExitCodes.BAD_INPUT;
            msg = f.getFile() + ": no such file or directory";
        } else if (t instanceof AccessDeniedException f) {
            code = ExitCodes.BAD_INPUT;
            msg = f.getFile() + ": permission denied";
        } else if (t instanceof FileSystemException f) {
            code = ExitCodes.FAILURE;
            msg = f.getFile() + ": " + (f.getReason() == null ? f.toString() : f.getReason());
        } else if (t instanceof IOException) {
            code = ExitCodes.FAILURE;
            msg = "I/O error: " + t.getMessage();
        } else {
            code = ExitCodes.FAILURE;
            msg = "internal error: " + t;
        }
        boolean debug = Boolean.getBoolean("sigbatch.debug") || System.getenv("SIGBATCH_DEBUG") != null;
        if (code == ExitCodes.FAILURE && !debug) {
            msg += " (set SIGBATCH_DEBUG=1 for the stack trace)";
        }
        err.println(name + ": " + oneLine(msg));
        if (debug) {
            ex.printStackTrace(err);
        }
        return code;
    }

    static String oneLine(String s) {
        return s == null ? "(no message)" : s.replaceAll("\\s*\\R\\s*", "; ").trim();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"sigbatch " + (v == null ? "0.1.0-SNAPSHOT" : v), "JDK " + MachineInfo.jdk()};
        }
    }
}
