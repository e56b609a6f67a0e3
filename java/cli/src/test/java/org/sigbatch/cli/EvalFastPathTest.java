package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * EvalFastPath, eval's parser without picocli: every line it accepts must give the command picocli
 * gives, field by field, and every line picocli would reject, or that needs help, it must leave to
 * picocli (so the messages stay picocli's).
 */
class EvalFastPathTest {
    static Stream<List<String>> accepted() {
        return Stream.of(
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy"),
                List.of("eval", "--in", "x.npy", "--out", "y.npy", "--op", "derivative"),
                List.of("eval", "--op=fused", "--in=x.npy", "--out=y.npy", "--out2=d.npy"),
                List.of("eval", "--op", "backward", "--in", "dir/x.npy", "--grad", "g.npy", "--out", "/tmp/gi.npy"),
                List.of("eval", "--op", "backward-from-output", "--in", "y.npy", "--grad", "g.npy", "--out", "gi.npy"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--backend", "cpu", "--verify", "sample"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--backend=OpenCL", "--verify=full"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--chunk", "64K", "--dtype", "bf16"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--chunk=1000"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--write-mode", "direct"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--write-mode=BUFFERED"),
                List.of("eval", "-q", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy"),
                List.of("eval", "--op", "sigmoid", "--verbose", "--in", "x.npy", "--out", "y.npy"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "-q", "-v"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "-o", "cpu.threads=1", "--option", "a=b=c"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--option=cpu.warmup=never", "-o", "k="),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "-o", "k=1", "-o", "k=2"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--precision", "fast"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "--precision", "fast", "-o", "precision=accurate"),
                List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy", "-o", "precision=accurate", "--precision", "fast"),
                List.of("eval", "--op", "sigmoid", "--in", "a b.npy", "--out", "ü.npy"));
    }

    @ParameterizedTest
    @MethodSource("accepted")
    void acceptedLinesParseAsPicocliParsesThem(List<String> line) {
        EvalCommand fast = EvalFastPath.parse(line.toArray(String[]::new));
        assertNotNull(fast, "the fast path should take " + line);
        EvalCommand slow = new EvalCommand();
        CommandLine cl = new CommandLine(slow);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.parseArgs(line.subList(1, line.size()).toArray(String[]::new));
        assertEquals(fields(slow), fields(fast), String.join(" ", line));
    }

    static Stream<List<String>> leftToPicocli() {
        List<String> ok = List.of("eval", "--op", "sigmoid", "--in", "x.npy", "--out", "y.npy");
        return Stream.of(
                List.of(), List.of("eval"), List.of("bench", "--op", "sigmoid"), List.of("--verbose", "eval", "--op", "sigmoid"),
                plus(ok, "--help"), plus(ok, "-h"), plus(ok, "-V"), plus(ok, "--version"),
                List.of("eval", "--in", "x.npy", "--out", "y.npy"),                 // --op missing
                List.of("eval", "--op", "sigmoid", "--out", "y.npy"),               // --in missing
                List.of("eval", "--op", "sigmoid", "--in", "x.npy"),                // --out missing
                plus(ok, "--op", "derivative"), plus(ok, "--in", "z.npy"), plus(ok, "-q", "--quiet"), plus(ok, "-v", "-v"),
                plus(ok, "--op"), plus(ok, "--grad"),                                // no value
                plus(ok, "--bogus"), plus(ok, "--bogus", "1"), plus(ok, "extra"), plus(ok, "-qv"), plus(ok, "-ocpu.threads=1"),
                plus(ok, "--quiet=true"), plus(ok, "--"), plus(ok, "@args.txt"),
                List.of("eval", "--op", "sigmod", "--in", "x.npy", "--out", "y.npy"),
                plus(ok, "--backend", "gpu"), plus(ok, "--verify", "some"), plus(ok, "--chunk", "lots"), plus(ok, "--chunk", "-1"),
                plus(ok, "--precision", "medium"), plus(ok, "--write-mode", "mmap"), plus(ok, "-o", "novalue"), plus(ok, "-o", "=v"),
                plus(ok, "--grad", "--out2"), plus(ok, "--out2", ""), plus(ok, "--out2", "-d.npy"), plus(ok, "--in", "@x"),
                plus(ok, "--out2", "a\0b"));
    }

    @ParameterizedTest
    @MethodSource("leftToPicocli")
    void anythingElseIsLeftToPicocli(List<String> line) {
        assertNull(EvalFastPath.parse(line.toArray(String[]::new)), String.join(" ", line));
    }

    /** The same lines end with the same exit code and stderr through Main either way: the rejected ones are picocli's. */
    @ParameterizedTest
    @MethodSource("leftToPicocli")
    void rejectedLinesStillGetPicocliMessages(List<String> line) {
        if (line.isEmpty() || !line.get(0).equals("eval") || line.contains("--help") || line.contains("-h")
                || line.contains("-V") || line.contains("--version")) {
            return; // not an eval error line
        }
        Cli.Result r = Cli.run(line.toArray(String[]::new));
        assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
        assertTrue(r.err().startsWith("sigbatch eval: "), r.err());
    }

    private static List<String> plus(List<String> line, String... more) {
        return Stream.concat(line.stream(), Arrays.stream(more)).toList();
    }

    private static Map<String, Object> fields(EvalCommand c) {
        return new java.util.TreeMap<>(Map.ofEntries(
                Map.entry("op", String.valueOf(c.op)), Map.entry("in", String.valueOf(c.in)), Map.entry("out", String.valueOf(c.outFile)),
                Map.entry("out2", String.valueOf(c.out2File)), Map.entry("grad", String.valueOf(c.grad)),
                Map.entry("backend", String.valueOf(c.backend)), Map.entry("verify", String.valueOf(c.verify)),
                Map.entry("dtype", String.valueOf(c.dtype)), Map.entry("chunk", c.chunk), Map.entry("quiet", c.quiet), Map.entry("writeMode", String.valueOf(c.writeMode)),
                Map.entry("verbose", c.verbose), Map.entry("options", List.copyOf(c.backendOptions.entrySet()).toString())));
    }
}
