package org.sigbatch.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.sigbatch.BackendKind;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.VerifyPolicy;

/**
 * Parses the common, well-formed {@code sigbatch eval} command lines without picocli, whose model
 * takes 0.1–0.25 s of a 0.4 s eval (reflection over the annotations, interpreted; its Java 5
 * bytecode stays out of the AOT cache: docs/first-call.md).
 *
 * <p>It never reports an error itself: anything it does not fully recognise (help, an unknown or
 * repeated option, a missing or odd value, a value picocli would reject, an {@code @argfile}, a
 * value starting with '-') makes {@link #parse} return null, and picocli parses the line as before,
 * with its messages. What it accepts it sets exactly as picocli would; EvalFastPathTest checks that
 * field by field against picocli on the same lines.
 */
final class EvalFastPath {
    private EvalFastPath() {
    }

    /** The parsed command, or null when picocli must parse this line. */
    static EvalCommand parse(String[] args) {
        if (args.length < 2 || !args[0].equals("eval")) {
            return null;
        }
        EvalCommand c = new EvalCommand();
        Set<String> seen = new HashSet<>();
        try {
            c.backend = BackendKind.parse(EvalCommand.DEFAULT_BACKEND);
            c.verify = VerifyPolicy.parse(EvalCommand.DEFAULT_VERIFY);
            c.chunk = Sizes.parse(EvalCommand.DEFAULT_CHUNK, "size");
            c.writeMode = ChunkSink.WriteMode.parse(EvalCommand.DEFAULT_WRITE_MODE);
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                String flag = switch (name) {
                    case "-q", "--quiet" -> "quiet";
                    case "-v", "--verbose" -> "verbose";
                    default -> null;
                };
                if (flag != null) {
                    if (value != null || !seen.add(flag)) {
                        return null; // "--quiet=true", or given twice (also as -q and --quiet)
                    }
                    c.quiet |= flag.equals("quiet");
                    c.verbose |= flag.equals("verbose");
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        return null;
                    }
                    value = args[++i];
                }
                if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                    return null;
                }
                if (!set(c, name, value, seen)) {
                    return null;
                }
            }
        } catch (IllegalArgumentException | UserError e) { // a value picocli would reject (InvalidPathException too)
            return null;
        }
        return c.op == null || c.in == null || c.outFile == null ? null : c;
    }

    /** Sets one option from its value; false for an unknown or repeated option. */
    private static boolean set(EvalCommand c, String name, String value, Set<String> seen) {
        if (!name.equals("-o") && !name.equals("--option") && !seen.add(name)) {
            return false;
        }
        switch (name) {
            case "--op" -> c.op = Op.parse(value);
            case "--in" -> c.in = path(value);
            case "--out" -> c.outFile = path(value);
            case "--out2" -> c.out2File = path(value);
            case "--grad" -> c.grad = path(value);
            case "--backend" -> c.backend = BackendKind.parse(value);
            case "--verify" -> c.verify = VerifyPolicy.parse(value);
            case "--dtype" -> c.dtype = value;
            case "--chunk" -> c.chunk = Sizes.parse(value, "size");
            case "--write-mode" -> c.writeMode = ChunkSink.WriteMode.parse(value);
            case "--precision" -> c.backendOptions.put("precision", Precision.parse(value).id());
            case "-o", "--option" -> {
                int eq = value.indexOf('=');
                if (eq <= 0) {
                    return false;
                }
                c.backendOptions.put(value.substring(0, eq), value.substring(eq + 1));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static Path path(String s) {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
