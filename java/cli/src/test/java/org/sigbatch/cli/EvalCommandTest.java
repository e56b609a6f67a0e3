package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.cli.npy.Npy;
import org.sigbatch.cli.npy.NpyHeader;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.SpecialValues;
import org.sigbatch.reference.Ulps;

/** End-to-end tests of {@code sigbatch eval}, in-process, on generated .npy files. */
class EvalCommandTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ values, shapes, dtypes

    @Test
    void sigmoidF32ThreeDimensionalKeepsShapeAndMeetsTheBound() throws IOException {
        float[] x = Cli.floats(2 * 3 * 4, 1, -30, 30);
        System.arraycopy(SpecialValues.f32(), 0, x, 0, 12); // NaN, infinities, zeros, subnormals, extremes
        Path in = dir.resolve("x.npy");
        Npy.write(in, new long[] {2, 3, 4}, x);
        Path out = dir.resolve("y.npy");
        Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        NpyHeader h = Npy.readHeader(out);
        assertEquals(DType.F32, h.dtype());
        assertArrayEquals(new long[] {2, 3, 4}, h.shape());
        assertFalse(h.fortranOrder());
        float[] y = Npy.readFloats(out);
        for (int i = 0; i < x.length; i++) {
            double e = Ulps.error(y[i], Reference.sigmoid(x[i]));
            assertTrue(e <= OpReference.bound(Op.SIGMOID, 0), "x=" + x[i] + " y=" + y[i] + " err " + e);
        }
        assertTrue(r.err().contains("sigmoid float32 (2, 3, 4) 24 elements on "), r.err()); // the provenance line
        // a small file: the CPU's JIT warm-up would cost more than it saves, the SIMD kernel's twin computes it
        assertTrue(r.err().contains("no JIT warm-up (cpu.warmup=never)") || !r.err().contains("on cpu"), r.err());
        Cli.Result bg = Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString(), "--backend", "cpu", "-o", "cpu.warmup=background");
        assertEquals(0, bg.code(), bg.err());
        assertFalse(bg.err().contains("cpu.warmup=never"), bg.err()); // the user's choice wins
        assertTrue(Cli.tempFiles(dir).isEmpty());
    }

    @Test
    void fusedF64ZeroDimensional() throws IOException {
        Path in = Cli.rawNpy(dir.resolve("x.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Cli.f64Bytes(-3.5));
        Path y = dir.resolve("y.npy");
        Path d = dir.resolve("d.npy");
        Cli.Result r = Cli.run("eval", "--op", "fused", "--in", in.toString(), "--out", y.toString(), "--out2", d.toString(), "--verify", "full");
        assertEquals(0, r.code(), r.err());
        for (Path p : List.of(y, d)) {
            NpyHeader h = Npy.readHeader(p);
            assertEquals(DType.F64, h.dtype());
            assertEquals(0, h.shape().length);
            assertEquals(1, h.count());
        }
        assertTrue(Ulps.error(Npy.readDoubles(y)[0], Reference.sigmoidDD(-3.5)) <= 1);
        assertTrue(Ulps.error(Npy.readDoubles(d)[0], Reference.derivativeDD(-3.5)) <= 2);
        assertTrue(r.err().contains("verified 1 elements (full)"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"(0,)", "(2, 0, 3)"})
    void emptyArraysGiveEmptyOutputsOfTheSameShape(String shape) throws IOException {
        for (String descr : List.of("<f4", "<f8")) {
            Path in = Cli.rawNpy(dir.resolve("x.npy"), 1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }", new byte[0]);
            Path out = dir.resolve("y.npy");
            Cli.Result r = Cli.run("eval", "--op", "derivative", "--in", in.toString(), "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            NpyHeader h = Npy.readHeader(out);
            assertEquals(shape, h.shapeString());
            assertEquals(descr, h.descr());
            assertEquals(0, h.count());
            assertEquals(h.dataOffset(), Files.size(out));
            assertTrue(r.err().contains("empty"), r.err());
        }
    }

    @Test
    void everyOpF32AndF64MeetsItsBound() throws IOException {
        int n = 1000;
        for (DType t : new DType[] {DType.F32, DType.F64}) { // 16-bit: HalfEvalTest
            Path in = dir.resolve("x" + t + ".npy");
            Path g = dir.resolve("g" + t + ".npy");
            float[] xf = Cli.floats(n, 2, -40, 40);
            float[] gf = Cli.floats(n, 3, -2, 2);
            double[] xd = Cli.doubles(n, 2, -40, 40);
            double[] gd = Cli.doubles(n, 3, -2, 2);
            float[] yf = Cli.floats(n, 4, 0, 1);
            double[] yd = Cli.doubles(n, 4, 0, 1);
            for (Op op : Op.values()) {
                boolean fromY = op == Op.BACKWARD_FROM_OUTPUT;
                if (t == DType.F32) {
                    Npy.write(in, new long[] {n}, fromY ? yf : xf);
                    Npy.write(g, new long[] {n}, gf);
                } else {
                    Npy.write(in, new long[] {n}, fromY ? yd : xd);
                    Npy.write(g, new long[] {n}, gd);
                }
                Path o1 = dir.resolve("o1.npy");
                Path o2 = dir.resolve("o2.npy");
                List<String> args = new ArrayList<>(List.of("eval", "--op", op.label(), "--in", in.toString(), "--out", o1.toString(), "--backend", "cpu"));
                if (op == Op.FUSED) {
                    args.addAll(List.of("--out2", o2.toString()));
                }
                if (op.inputs() == 2) {
                    args.addAll(List.of("--grad", g.toString()));
                }
                Cli.Result r = Cli.run(args);
                assertEquals(0, r.code(), op + " " + t + ": " + r.err());
                for (int k = 0; k < op.outputs(); k++) {
                    Path o = k == 0 ? o1 : o2;
                    for (int i = 0; i < n; i++) {
                        double err;
                        if (t == DType.F32) {
                            float a = fromY ? yf[i] : xf[i];
                            double ref = OpReference.f32(op, k, a, gf[i]);
                            err = Ulps.error(Npy.readFloats(o)[i], ref);
                        } else {
                            double a = fromY ? yd[i] : xd[i];
                            err = Ulps.error(Npy.readDoubles(o)[i], OpReference.f64(op, k, a, gd[i]));
                        }
                        if (i % 97 == 0 || err > OpReference.bound(op, k)) {
                            assertTrue(err <= OpReference.bound(op, k), op + " " + t + " output " + k + " at " + i + ": " + err + " ULP");
                        }
                    }
                }
            }
        }
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        for (int major : new int[] {2, 3}) {
            Path in = Cli.rawNpy(dir.resolve("x" + major + ".npy"), major, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                    Cli.f32Bytes(-1f, 0f, 1f));
            Path out = dir.resolve("y" + major + ".npy");
            Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            float[] y = Npy.readFloats(out);
            assertEquals(3, y.length);
            assertTrue(Ulps.error(y[1], 0.5) == 0);
            assertTrue(Ulps.error(y[2], Reference.sigmoid(1f)) <= 1);
        }
    }

    @Test
    void largeHeaderIsWrittenAsVersion2AndReadBack() throws IOException {
        // a dict longer than 65535 bytes needs format 2.0 (many dimensions of length 1)
        int dims = 25000;
        StringBuilder shape = new StringBuilder("(");
        for (int i = 0; i < dims; i++) {
            shape.append("1, ");
        }
        shape.append("2)");
        Path in = Cli.rawNpy(dir.resolve("big.npy"), 2, "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", Cli.f32Bytes(1f, 2f));
        Path out = dir.resolve("y.npy");
        Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString(), "-q");
        assertEquals(0, r.code(), r.err());
        byte[] head = Files.readAllBytes(out);
        assertEquals(2, head[6], "format version of the output");
        NpyHeader h = Npy.readHeader(out);
        assertEquals(dims + 1, h.shape().length);
        assertEquals(0, h.dataOffset() % 64);
        assertEquals("", r.err(), "--quiet prints nothing");
    }

    @Test
    void streamsAFileLargerThanTheChunkSize() throws IOException {
        int n = 10_007; // not a multiple of the chunk
        float[] x = Cli.floats(n, 5, -20, 20);
        float[] g = Cli.floats(n, 6, -1, 1);
        Path in = dir.resolve("x.npy");
        Path gp = dir.resolve("g.npy");
        Npy.write(in, new long[] {n}, x);
        Npy.write(gp, new long[] {n}, g);
        Path out = dir.resolve("gi.npy");
        Cli.Result r = Cli.run("eval", "--op", "backward", "--in", in.toString(), "--grad", gp.toString(), "--out", out.toString(), "--chunk", "1000",
                "--verify", "sample");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("11 chunks"), r.err());
        // the summary splits the time between the overlapped stages
        assertTrue(r.err().matches("(?s).*read \\d+\\.\\d{3} s, compute \\d+\\.\\d{3} s \\([\\d.]+ Melem/s\\), write \\d+\\.\\d{3} s \\(overlapped, buffered\\), "
                + "flush \\d+\\.\\d{3} s; total \\d+\\.\\d{3} s.*"), r.err());
        float[] gi = Npy.readFloats(out);
        assertEquals(n, gi.length);
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(gi[i], Reference.backward(x[i], g[i])) <= 3, "at " + i);
        }
        // the same with one chunk gives the same bytes
        Path whole = dir.resolve("whole.npy");
        assertEquals(0, Cli.run("eval", "--op", "backward", "--in", in.toString(), "--grad", gp.toString(), "--out", whole.toString()).code());
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(out));
    }

    @Test
    void fortranOrderIsCarriedThrough() throws IOException {
        Path in = Cli.rawNpy(dir.resolve("xf.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                Cli.f32Bytes(1, 2, 3, 4, 5, 6));
        Path out = dir.resolve("y.npy");
        assertEquals(0, Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString()).code());
        NpyHeader h = Npy.readHeader(out);
        assertTrue(h.fortranOrder());
        float[] y = Npy.readFloats(out);
        for (int i = 0; i < 6; i++) {
            assertTrue(Ulps.error(y[i], Reference.sigmoid((float) (i + 1))) <= 1); // element order kept
        }
    }

    @Test
    void inPlaceOutputReplacesTheInput() throws IOException {
        Path in = dir.resolve("x.npy");
        Npy.write(in, new long[] {3}, new float[] {-1, 0, 1});
        assertEquals(0, Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", in.toString()).code());
        assertTrue(Ulps.error(Npy.readFloats(in)[2], Reference.sigmoid(1f)) <= 1);
        assertTrue(Cli.tempFiles(dir).isEmpty());
    }

    @Test
    void replacesAnExistingOutputOnSuccess() throws IOException {
        Path in = dir.resolve("x.npy");
        Npy.write(in, new long[] {2}, new float[] {0, 0});
        Path out = dir.resolve("y.npy");
        Files.writeString(out, "old contents");
        assertEquals(0, Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString()).code());
        assertArrayEquals(new float[] {0.5f, 0.5f}, Npy.readFloats(out));
    }

    // ------------------------------------------------------------------ bad input: exit 2, one line, outputs untouched

    /** Runs eval on a bad input and checks: exit code, one error line naming the problem, output unchanged, no temp files. */
    private Cli.Result assertRejected(int code, List<String> args, String... fragments) throws IOException {
        Path out = dir.resolve("out.npy");
        Path out2 = dir.resolve("out2.npy");
        byte[] before = "pre-existing output".getBytes();
        Files.write(out, before);
        Files.write(out2, before);
        List<String> all = new ArrayList<>(args.stream().map(a -> a.replace("OUT2", out2.toString()).replace("OUT", out.toString())).toList());
        Cli.Result r = Cli.run(all);
        r.assertOneErrorLine(code, fragments);
        assertArrayEquals(before, Files.readAllBytes(out), "the existing output must be untouched");
        assertArrayEquals(before, Files.readAllBytes(out2), "the existing second output must be untouched");
        assertEquals(List.of(), Cli.tempFiles(dir), "no temporary files left");
        return r;
    }

    private Path good() throws IOException {
        Path p = dir.resolve("good.npy");
        Npy.write(p, new long[] {2, 2}, new float[] {1, 2, 3, 4});
        return p;
    }

    private List<String> sigmoid(Path in) {
        return List.of("eval", "--op", "sigmoid", "--in", in.toString(), "--out", "OUT");
    }

    @Test
    void rejectsAFileThatIsNotNpy() throws IOException {
        Path p = dir.resolve("text.npy");
        Files.writeString(p, "x,y\n1,2\n");
        assertRejected(2, sigmoid(p), "text.npy", "not an .npy file");
    }

    @Test
    void rejectsAnNpzArchive() throws IOException {
        Path p = dir.resolve("a.npz");
        Files.write(p, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});
        assertRejected(2, sigmoid(p), "not an .npy file", "zip");
    }

    @Test
    void rejectsAnEmptyFile() throws IOException {
        Path p = dir.resolve("empty.npy");
        Files.write(p, new byte[0]);
        assertRejected(2, sigmoid(p), "not an .npy file");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path p = Cli.rawNpy(dir.resolve("short.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Cli.f32Bytes(1, 2, 3));
        assertRejected(2, sigmoid(p), "short.npy", "truncated data", "16 bytes", "12");
    }

    @Test
    void rejectsATruncatedHeader() throws IOException {
        byte[] full = Files.readAllBytes(good());
        Path p = dir.resolve("cut.npy");
        Files.write(p, java.util.Arrays.copyOf(full, 40));
        assertRejected(2, sigmoid(p), "cut.npy", "truncated .npy header");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        Path p = Cli.rawNpy(dir.resolve("long.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Cli.f32Bytes(1, 2, 3));
        assertRejected(2, sigmoid(p), "unexpected bytes after the data");
    }

    @Test
    void rejectsACorruptHeader() throws IOException {
        Path p = Cli.rawNpy(dir.resolve("bad.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,", Cli.f32Bytes(1, 2));
        assertRejected(2, sigmoid(p), "corrupt .npy header");
        Path q = Cli.rawNpy(dir.resolve("noshape.npy"), 1, "{'descr': '<f4', 'fortran_order': False}", Cli.f32Bytes(1, 2));
        assertRejected(2, sigmoid(q), "no 'shape' key");
    }

    @Test
    void rejectsAnUnknownFormatVersion() throws IOException {
        Path p = Cli.rawNpy(dir.resolve("v9.npy"), 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Cli.f32Bytes(1));
        byte[] b = Files.readAllBytes(p);
        b[6] = 9;
        Files.write(p, b);
        assertRejected(2, sigmoid(p), "unsupported .npy format version 9.0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<i4:integer", "|u1:unsigned integer", ">f4:big-endian float32", ">f8:big-endian float64", "<c8:complex",
            "|O:object", ">f2:big-endian float16", "|b1:boolean", "<U3:unicode"})
    void rejectsUnsupportedDtypes(String spec) throws IOException {
        String descr = spec.substring(0, spec.indexOf(':'));
        String what = spec.substring(spec.indexOf(':') + 1);
        Path p = Cli.rawNpy(dir.resolve("t.npy"), 1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }", new byte[16]);
        assertRejected(2, sigmoid(p), "unsupported dtype", what, descr);
    }

    @Test
    void rejectsStructuredDtypes() throws IOException {
        Path p = Cli.rawNpy(dir.resolve("rec.npy"), 1, "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[8]);
        assertRejected(2, sigmoid(p), "unsupported dtype", "structured");
    }

    @Test
    void rejectsShapeMismatchBetweenInAndGrad() throws IOException {
        Path g = dir.resolve("g.npy");
        Npy.write(g, new long[] {4}, new float[] {1, 2, 3, 4});
        assertRejected(2, List.of("eval", "--op", "backward", "--in", good().toString(), "--grad", g.toString(), "--out", "OUT"),
                "shape mismatch", "(2, 2)", "(4,)");
    }

    @Test
    void rejectsDtypeMismatchBetweenInAndGrad() throws IOException {
        Path g = dir.resolve("g.npy");
        Npy.write(g, new long[] {2, 2}, new double[] {1, 2, 3, 4});
        assertRejected(2, List.of("eval", "--op", "backward", "--in", good().toString(), "--grad", g.toString(), "--out", "OUT"),
                "dtype mismatch", "float64");
    }

    @Test
    void rejectsMemoryOrderMismatchBetweenInAndGrad() throws IOException {
        Path g = Cli.rawNpy(dir.resolve("gf.npy"), 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", Cli.f32Bytes(1, 2, 3, 4));
        assertRejected(2, List.of("eval", "--op", "backward", "--in", good().toString(), "--grad", g.toString(), "--out", "OUT"),
                "memory order mismatch");
    }

    @Test
    void rejectsAnOutputInAMissingDirectory() throws IOException {
        Path missing = dir.resolve("no/such/dir/y.npy");
        Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", good().toString(), "--out", missing.toString());
        r.assertOneErrorLine(2, "--out", "does not exist");
        assertFalse(Files.exists(missing.getParent()));
        Path y = dir.resolve("y.npy");
        Cli.run("eval", "--op", "fused", "--in", good().toString(), "--out", y.toString(), "--out2", missing.toString())
                .assertOneErrorLine(2, "--out2", "does not exist");
        assertFalse(Files.exists(y), "no first output when the second cannot be written");
    }

    @Test
    void rejectsAnOutputThatIsADirectory() throws IOException {
        Cli.run("eval", "--op", "sigmoid", "--in", good().toString(), "--out", dir.toString()).assertOneErrorLine(2, "is a directory");
    }

    @Test
    void rejectsAMissingInputFile() throws IOException {
        assertRejected(2, sigmoid(dir.resolve("nope.npy")), "nope.npy", "no such file");
    }

    @Test
    void rejectsMissingRequiredOptions() throws IOException {
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--out", "OUT"), "missing required option", "--in");
        assertRejected(2, List.of("eval", "--in", good().toString(), "--out", "OUT"), "missing required option", "--op");
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--in", good().toString()), "missing required option", "--out");
        assertRejected(2, List.of("eval", "--op", "backward", "--in", good().toString(), "--out", "OUT"), "--grad", "required", "backward");
        assertRejected(2, List.of("eval", "--op", "fused", "--in", good().toString(), "--out", "OUT"), "--out2", "required");
    }

    @Test
    void rejectsOptionsThatDoNotFitTheOp() throws IOException {
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "--out2", "OUT2"), "--out2", "only used by");
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "--grad", good().toString()), "--grad", "only used by");
        assertRejected(2, List.of("eval", "--op", "fused", "--in", good().toString(), "--out", "OUT", "--out2", "OUT"), "same file");
    }

    @Test
    void rejectsBadOptionValues() throws IOException {
        assertRejected(2, List.of("eval", "--op", "tanh", "--in", good().toString(), "--out", "OUT"), "--op", "unknown op 'tanh'");
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "--backend", "tpu"), "unknown backend 'tpu'");
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "--verify", "most"), "unknown verification policy");
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "--chunk", "12X"), "--chunk", "not a size");
        assertRejected(2, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "--frobnicate"), "unknown option");
    }

    // ------------------------------------------------------------------ backends: absent (3), wrong (4), fallback

    @Test
    void anAbsentExplicitBackendExitsWith3() throws IOException {
        int tested = 0;
        for (BackendKind k : List.of(BackendKind.CUDA, BackendKind.OPENCL)) {
            try {
                Cli.assumeAbsent(k);
            } catch (org.opentest4j.TestAbortedException available) {
                continue; // this one is available here; try the other
            }
            tested++;
            assertRejected(3, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "--backend", k.id()),
                    k.id() + " unavailable");
        }
        if (tested == 0) {
            Cli.assumeAbsent(BackendKind.CUDA); // both present: skip visibly with the reason
        }
    }

    @Test
    void aVerificationFailureExitsWith4AndLeavesNoOutput() throws IOException {
        assertRejected(4, List.of("eval", "--op", "sigmoid", "--in", good().toString(), "--out", "OUT", "-o", "faulty.mode=wrong", "--verify", "full"),
                "verification failed", "faulty-test", "disagrees with the cpu reference");
        // fused: neither output appears
        Path y = dir.resolve("y.npy");
        Path d = dir.resolve("d.npy");
        Cli.run("eval", "--op", "fused", "--in", good().toString(), "--out", y.toString(), "--out2", d.toString(), "-o", "faulty.mode=wrong",
                "--verify", "sample").assertOneErrorLine(4, "verification failed");
        assertFalse(Files.exists(y));
        assertFalse(Files.exists(d));
    }

    @Test
    void aFallbackIsReportedAndTheResultIsStillRight() throws IOException {
        Path y = dir.resolve("y.npy");
        Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", good().toString(), "--out", y.toString(), "-o", "faulty.mode=fail", "-q");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("FALLBACK: faulty-test failed"), "a fallback is shown even with --quiet: " + r.err());
        float[] out = Npy.readFloats(y);
        for (int i = 0; i < 4; i++) {
            assertTrue(Ulps.error(out[i], Reference.sigmoid((float) (i + 1))) <= 1);
        }
    }

    @Test
    void verboseShowsPerChunkProvenance() throws IOException {
        Path y = dir.resolve("y.npy");
        Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", good().toString(), "--out", y.toString(), "--backend", "cpu", "-v", "--chunk", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, r.err().lines().filter(l -> l.contains("chunk at")).count(), r.err());
        assertTrue(r.err().contains("on cpu ["), r.err());
    }
}
