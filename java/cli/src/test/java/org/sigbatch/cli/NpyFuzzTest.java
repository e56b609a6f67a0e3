package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.DType;
import org.sigbatch.cli.npy.Npy;
import org.sigbatch.cli.npy.NpyFormatException;
import org.sigbatch.cli.npy.NpyHeader;

/**
 * A mutation fuzzer of the .npy reader and of {@code eval} on what it reads: valid files (every format
 * version, both dtypes, several shapes, the committed corpus in {@code npy-corpus/}) are mutated (bit
 * flips, interesting bytes, header tokens spliced in, length fields and versions rewritten, cuts,
 * inserts) and each mutant must give a correct read or the documented user error; never another
 * exception, a hang (5 s per input), an allocation beyond what the file's size warrants, or (through
 * {@code eval}) an exit code other than 0 or 2, more than one line of error, or a written output.
 *
 * <p>Iterations: {@code -Dsigbatch.fuzz.iterations} (default 2000; every 15th also through
 * {@code eval}), seed {@code -Dsigbatch.fuzz.seed}. It reports executions and distinct outcomes: the
 * distinct error messages with numbers and names blanked, i.e. the distinct checks of the reader that
 * fired, plus "read" (a valid file). New outcomes' first inputs are written to
 * {@code target/npy-corpus-new/} (candidates for the committed corpus).
 */
class NpyFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("sigbatch.fuzz.iterations", 2000);
    private static final long SEED = Long.getLong("sigbatch.fuzz.seed", 20261202L);
    private static final int EVAL_EVERY = 15;
    private static final long TIMEOUT_MS = 5000;

    private static final String[] TOKENS = {
        "'descr'", "'shape'", "'fortran_order'", "'<f4'", "'<f8'", "'>f4'", "'<f2'", "'<i8'", "'|b1'", "'<U3'", "[('a', '<f4')]",
        "True", "False", "None", "(", ")", "((((((((", "[", "]", "{", "}", ":", ",", "'", "\"", "\\", "\n", "\r", "\u0085",
        "-1", "0", "1L", "99999999999999999999", "9223372036854775807", "4294967296", "(3037000500, 3037000500)", "1e3", "0x10",
        "\u0663", "é", "\u0000", " ", "'shape': (),", "'shape': (0,),", "}{", ",,"};
    private static final byte[] BYTES = {0, (byte) 0xff, (byte) 0x93, (byte) 0x80, 0x7f, 1, 2, 3, '\n', '\'', '(', ')', '{', '}', ',', ':', '9', '-'};

    @TempDir
    Path dir;

    private final Map<String, Integer> outcomes = new LinkedHashMap<>();
    private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void everyMutantReadsCorrectlyOrIsTheDocumentedUserError() throws Exception {
        List<byte[]> seeds = seeds();
        SplittableRandom r = new SplittableRandom(SEED);
        ExecutorService worker = Executors.newSingleThreadExecutor(t -> new Thread(t, "npy-fuzz"));
        Path corpusOut = Path.of("target", "npy-corpus-new");
        Files.createDirectories(corpusOut);
        int evals = 0;
        try {
            for (int it = 0; it < ITERATIONS; it++) {
                byte[] input = seeds.get(r.nextInt(seeds.size())).clone();
                int rounds = 1 + r.nextInt(4);
                for (int k = 0; k < rounds; k++) {
                    input = mutate(input, r);
                }
                boolean eval = it % EVAL_EVERY == 0;
                String outcome = runOne(worker, input, eval, it);
                evals += eval ? 1 : 0;
                if (outcomes.merge(outcome, 1, Integer::sum) == 1) {
                    Files.write(corpusOut.resolve(String.format("%05d.npy", it)), input);
                }
            }
        } finally {
            worker.shutdownNow();
        }
        System.out.println("NpyFuzzTest: " + ITERATIONS + " executions (" + evals + " through eval), seed " + SEED + ", " + outcomes.size()
                + " distinct outcomes:");
        outcomes.forEach((k, v) -> System.out.println("  " + v + "\t" + k));
        assertTrue(outcomes.size() >= 20, "the mutator should reach many of the reader's checks, reached " + outcomes.keySet());
    }

    /** Each committed corpus file again, through the reader and through eval (the regressions). */
    @Test
    void theCorpusReadsCorrectlyOrIsTheDocumentedUserError() throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            List<Path> files = corpusFiles();
            assertTrue(files.size() >= 10, "the corpus is in src/test/resources/npy-corpus: " + files);
            int i = 0;
            for (Path f : files) {
                String outcome = runOne(worker, Files.readAllBytes(f), true, i++);
                assertTrue(!outcome.isEmpty(), f.toString());
            }
        } finally {
            worker.shutdownNow();
        }
    }

    /** Regression (found with the corpus's deep-nesting.npy): 100,000 '(' overflowed the parser's stack; now a user error. */
    @Test
    void aDeeplyNestedHeaderIsAUserErrorNotAStackOverflow() throws IOException {
        Path f = Cli.rawNpy(dir.resolve("deep.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': " + "(".repeat(100_000) + "}",
                Cli.f32Bytes(1));
        Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", f.toString(), "--out", dir.resolve("o.npy").toString());
        r.assertOneErrorLine(ExitCodes.BAD_INPUT, "corrupt .npy header", "nested more than 32 deep");
    }

    /** Reads {@code input} (and evaluates it when {@code eval}) on the worker thread; returns the outcome. */
    private String runOne(ExecutorService worker, byte[] input, boolean eval, int it) throws Exception {
        Path in = dir.resolve("in.npy");
        Files.write(in, input);
        String hex = HexFormat.of().formatHex(input, 0, Math.min(input.length, 200));
        Future<String> f = worker.submit(() -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            String o = read(in, input.length);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // the header is at most the file; decoding and parsing it may take a few copies
            long allowed = (1 << 20) + 16L * input.length;
            if (allocated > allowed) {
                throw new AssertionError("reading a " + input.length + "-byte file allocated " + allocated + " bytes");
            }
            if (eval) {
                checkEval(in, o);
            }
            return o;
        });
        try {
            return f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return fail("input " + it + " took more than " + TIMEOUT_MS + " ms: " + hex);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("input " + it + " (" + input.length + " bytes, first 200 in hex: " + hex + "): " + e.getCause(), e.getCause());
        }
    }

    /** "read" for a valid file whose data is consistent with its header, else the blanked error message. */
    private static String read(Path in, long size) throws IOException {
        NpyHeader h;
        try {
            h = Npy.readHeader(in);
        } catch (NpyFormatException e) {
            String m = e.getMessage();
            assertTrue(m.startsWith(in.toString() + ": "), "names the file: " + m); // eval makes it one line
            return blank(m.substring(in.toString().length() + 2));
        }
        assertEquals(size, h.dataOffset() + h.dataBytes(), "a valid header accounts for every byte: " + h);
        if (h.count() <= 1 << 16) { // read it whole and check the values are the file's bytes
            java.nio.ByteBuffer raw = java.nio.ByteBuffer.wrap(Files.readAllBytes(in), (int) h.dataOffset(), (int) h.dataBytes())
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (h.dtype().isHalf()) { // float16 and bfloat16 files are read as their raw 16-bit patterns
                short[] v = Npy.readShorts(in);
                for (short x : v) {
                    assertEquals(raw.getShort(), x);
                }
            } else if (h.dtype() == DType.F32) {
                float[] v = Npy.readFloats(in);
                for (float x : v) {
                    assertEquals(Float.floatToRawIntBits(raw.getFloat()), Float.floatToRawIntBits(x));
                }
            } else {
                double[] v = Npy.readDoubles(in);
                for (double x : v) {
                    assertEquals(Double.doubleToRawLongBits(raw.getDouble()), Double.doubleToRawLongBits(x));
                }
            }
        }
        return "read " + h.dtype() + (h.shape().length == 0 ? " 0-d" : " " + h.shape().length + "-d") + (h.count() == 0 ? " empty" : "");
    }

    /** eval on the input: 0 with a valid output of the input's shape, or 2 with one line and nothing written. */
    private void checkEval(Path in, String readOutcome) throws IOException {
        Path out = dir.resolve("out.npy");
        Files.deleteIfExists(out);
        Cli.Result res = Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString(), "--backend", "cpu");
        if (readOutcome.startsWith("read")) {
            assertEquals(0, res.code(), () -> "a valid file is evaluated: " + res.err());
            assertEquals(Npy.readHeader(in).count(), Npy.readHeader(out).count());
            Files.delete(out);
        } else {
            res.assertOneErrorLine(ExitCodes.BAD_INPUT);
            assertTrue(Files.notExists(out), "nothing written on bad input: " + res.err());
        }
        assertTrue(Cli.tempFiles(dir).isEmpty(), "no temporary file left: " + Cli.tempFiles(dir));
    }

    /** Numbers, quoted text and the file name blanked: what is left names the check that fired. */
    static String blank(String m) {
        return m.replaceAll("'[^']*'", "'_'").replaceAll("\\(shape [^)]*\\)?", "(shape _)").replaceAll("-?\\d+", "#")
                .replaceAll("character '.'", "character _");
    }

    private byte[] mutate(byte[] a, SplittableRandom r) {
        int n = a.length;
        int hdrEnd = Math.min(n, 128); // most of the structure is in the first bytes
        switch (r.nextInt(10)) {
            case 0 -> { // flip a bit
                if (n > 0) {
                    int p = r.nextInt(n);
                    a[p] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> { // an interesting byte in the header
                if (n > 0) {
                    a[r.nextInt(hdrEnd)] = BYTES[r.nextInt(BYTES.length)];
                }
            }
            case 2, 3 -> { // a header token replacing a few bytes, length kept or not
                if (n > 10) {
                    byte[] t = TOKENS[r.nextInt(TOKENS.length)].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    int p = 10 + r.nextInt(Math.max(1, hdrEnd - 10));
                    int cut = r.nextBoolean() ? t.length : r.nextInt(8);
                    return splice(a, p, Math.min(cut, n - p), t);
                }
            }
            case 4 -> { // the header length field: random, off by a little, or huge
                if (n >= 12) {
                    int v = switch (r.nextInt(3)) {
                        case 0 -> r.nextInt(1 << 16);
                        case 1 -> ((a[8] & 0xff) | (a[9] & 0xff) << 8) + r.nextInt(-3, 4);
                        default -> r.nextInt();
                    };
                    a[8] = (byte) v;
                    a[9] = (byte) (v >> 8);
                    if (a[6] != 1) {
                        a[10] = (byte) (v >> 16);
                        a[11] = (byte) (v >> 24);
                    }
                }
            }
            case 5 -> { // the version
                if (n >= 8) {
                    a[6] = (byte) r.nextInt(5);
                    a[7] = (byte) (r.nextInt(4) == 0 ? 1 : 0);
                }
            }
            case 6 -> { // truncate
                return java.util.Arrays.copyOf(a, r.nextInt(n + 1));
            }
            case 7 -> { // append or insert random bytes
                byte[] t = new byte[1 + r.nextInt(r.nextBoolean() ? 4 : 70)];
                r.nextBytes(t);
                return splice(a, r.nextInt(n + 1), 0, t);
            }
            case 8 -> { // delete a range
                if (n > 0) {
                    int p = r.nextInt(n);
                    return splice(a, p, Math.min(n - p, 1 + r.nextInt(16)), new byte[0]);
                }
            }
            default -> { // a digit of the shape changed: the data no longer matches, or does
                for (int p = 10; p < hdrEnd; p++) {
                    if (a[p] >= '0' && a[p] <= '9' && r.nextInt(4) == 0) {
                        a[p] = (byte) ('0' + r.nextInt(10));
                    }
                }
            }
        }
        return a;
    }

    private static byte[] splice(byte[] a, int at, int remove, byte[] insert) {
        byte[] b = new byte[a.length - remove + insert.length];
        System.arraycopy(a, 0, b, 0, at);
        System.arraycopy(insert, 0, b, at, insert.length);
        System.arraycopy(a, at + remove, b, at + insert.length, a.length - at - remove);
        return b;
    }

    /** Valid files of every version, dtype and a few shapes, then the committed corpus. */
    private List<byte[]> seeds() throws IOException {
        List<byte[]> s = new ArrayList<>();
        long[][] shapes = {{}, {0}, {1}, {5}, {2, 3}, {3, 1, 2}, {0, 4}};
        for (long[] shape : shapes) {
            int count = (int) NpyHeader.count(shape);
            for (DType t : new DType[] {DType.F32, DType.F64}) {
                for (boolean fortran : new boolean[] {false, true}) {
                    byte[] h = Npy.header(t, shape, fortran);
                    byte[] data = new byte[count * t.bytes()];
                    new SplittableRandom(count).nextBytes(data);
                    s.add(concat(h, data));
                }
            }
        }
        // versions 2.0 and 3.0 (UTF-8), a Python 2 long, a header without the trailing comma
        s.add(Files.readAllBytes(Cli.rawNpy(dir.resolve("v2.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", Cli.f32Bytes(1, 2, 3))));
        s.add(Files.readAllBytes(Cli.rawNpy(dir.resolve("v3.npy"), 3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", Cli.f64Bytes(1, -2))));
        s.add(Files.readAllBytes(Cli.rawNpy(dir.resolve("l.npy"), 1, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L,)}", Cli.f32Bytes(1, 2))));
        for (Path p : corpusFiles()) {
            s.add(Files.readAllBytes(p));
        }
        return s;
    }

    private static List<Path> corpusFiles() {
        try {
            Path root = Path.of(NpyFuzzTest.class.getResource("/npy-corpus").toURI());
            try (Stream<Path> st = Files.list(root)) {
                return st.filter(p -> p.toString().endsWith(".npy")).sorted().toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new AssertionError("the corpus src/test/resources/npy-corpus is missing", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
