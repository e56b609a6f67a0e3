package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.testing.Hardware;

/**
 * Interop with NumPy: arrays written by numpy.save go through {@code sigbatch eval} and are read back
 * with numpy.load, compared with NumPy's own float64 sigmoid. Needs a Python with NumPy
 * (/usr/bin/python3 with Debian's python3-numpy first, then python3 on the PATH); without one the
 * tests skip visibly, unless {@code -Dsigbatch.require} names {@code numpy}.
 */
class NumpyInteropTest {
    @TempDir
    Path dir;

    static String python;

    @BeforeAll
    static void findPython() {
        List<String> tried = new ArrayList<>();
        for (String p : List.of("/usr/bin/python3", "python3")) {
            try {
                Process pr = new ProcessBuilder(p, "-c", "import numpy; print(numpy.__version__)").redirectErrorStream(true).start();
                String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (pr.waitFor(60, TimeUnit.SECONDS) && pr.exitValue() == 0) {
                    python = p;
                    System.err.println("numpy interop: " + p + " with numpy " + out);
                    return;
                }
                tried.add(p + ": " + out.lines().reduce((a, b) -> b).orElse("exit " + pr.exitValue()));
            } catch (IOException | InterruptedException e) {
                tried.add(p + ": " + e.getMessage());
            }
        }
        String msg = "no Python with NumPy (tried " + tried + "); install python3-numpy";
        if (Hardware.required("numpy")) {
            Assertions.fail(msg + " (required by -Dsigbatch.require=" + System.getProperty("sigbatch.require") + ")");
        }
        System.err.println("SKIPPED (" + msg + ")");
        Assumptions.abort(msg);
    }

    /** Runs a Python snippet with the temp dir as working directory; fails with its output if it fails. */
    private String py(String code) throws IOException, InterruptedException {
        Process pr = new ProcessBuilder(python, "-c", code).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pr.waitFor(120, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, pr.exitValue(), () -> "python failed:\n" + out);
        return out;
    }

    private static final String PRELUDE = String.join("\n",
            "import numpy as np",
            "np.seterr(all='ignore')",
            "def sig(x):",
            "    x = np.asarray(x, dtype=np.float64); e = np.exp(-np.abs(x))",
            "    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))",
            "def dsig(x):",
            "    x = np.asarray(x, dtype=np.float64); e = np.exp(-np.abs(x))",
            "    return e / (1 + e) ** 2",
            "def check(name, got, ref, ulps):",
            "    got = np.asarray(got); ref = np.asarray(ref, dtype=np.float64)",
            "    assert np.array_equal(np.isnan(got), np.isnan(ref)), name + ': NaN mismatch'",
            "    ok = ~np.isnan(ref)",
            "    g = got[ok].astype(np.float64); r = ref[ok]",
            "    ulp = np.spacing(np.abs(r).astype(got.dtype)).astype(np.float64)",
            "    err = np.where(g == r, 0.0, np.abs(g - r) / ulp)",
            "    worst = float(err.max()) if err.size else 0.0",
            "    assert worst <= ulps, '%s: %.3f ULP against numpy float64 (allowed %s)' % (name, worst, ulps)",
            "    print(name, 'max', round(worst, 3), 'ULP vs numpy')",
            "");

    @Test
    void float32And64ThroughNumpy() throws Exception {
        py(PRELUDE + String.join("\n",
                "rng = np.random.default_rng(7)",
                "x = rng.uniform(-110, 110, size=(3, 5, 7)).astype(np.float32)",
                "x.flat[:9] = [np.nan, np.inf, -np.inf, 0.0, -0.0, -89, -104, 17.33, 88]",
                "np.save('x32.npy', x)",
                "np.save('x64.npy', rng.uniform(-800, 800, size=(1000,)))",
                "np.save('g32.npy', rng.uniform(-2, 2, size=(3, 5, 7)).astype(np.float32))",
                "np.save('xf.npy', np.asfortranarray(rng.uniform(-20, 20, size=(4, 6)).astype(np.float32)))",
                "np.save('scalar.npy', np.float64(1.5))",
                "np.save('empty.npy', np.zeros((0, 3), dtype=np.float32))"));
        run("eval", "--op", "fused", "--in", "x32.npy", "--out", "y32.npy", "--out2", "d32.npy", "--verify", "sample");
        run("eval", "--op", "sigmoid", "--in", "x64.npy", "--out", "y64.npy", "--chunk", "300");
        run("eval", "--op", "backward", "--in", "x32.npy", "--grad", "g32.npy", "--out", "gi32.npy");
        run("eval", "--op", "sigmoid", "--in", "xf.npy", "--out", "yf.npy");
        run("eval", "--op", "derivative", "--in", "scalar.npy", "--out", "dscalar.npy");
        run("eval", "--op", "sigmoid", "--in", "empty.npy", "--out", "yempty.npy");
        String out = py(PRELUDE + String.join("\n",
                "x = np.load('x32.npy'); y = np.load('y32.npy'); d = np.load('d32.npy')",
                "assert y.dtype == np.float32 and y.shape == (3, 5, 7) and d.shape == (3, 5, 7)",
                "check('sigmoid f32', y, sig(x), 1)",
                "check('derivative f32', d, dsig(x), 2)",
                "assert y.flat[5] > 0, 'sigma(-89) must be subnormal, not 0'",
                "g = np.load('g32.npy'); gi = np.load('gi32.npy')",
                "check('backward f32', gi, g.astype(np.float64) * dsig(x), 3)",
                "x64 = np.load('x64.npy'); y64 = np.load('y64.npy')",
                "assert y64.dtype == np.float64 and y64.shape == (1000,)",
                "check('sigmoid f64', y64, sig(x64), 4)",  // numpy's own float64 sigmoid is itself ~2 ULP off
                "xf = np.load('xf.npy'); yf = np.load('yf.npy')",
                "assert yf.flags.f_contiguous and yf.shape == (4, 6)",
                "check('sigmoid fortran', yf, sig(xf), 1)",
                "ds = np.load('dscalar.npy'); assert ds.shape == () and ds.dtype == np.float64",
                "check('derivative 0-d', ds, dsig(1.5), 4)",
                "e = np.load('yempty.npy'); assert e.shape == (0, 3) and e.dtype == np.float32",
                "print('numpy interop ok')"));
        assertTrue(out.contains("numpy interop ok"), out);
        System.err.println(out.trim());
    }

    /**
     * float16 round trip: every one of the 65,536 float16 values saved by NumPy ('<f2'), fused through
     * eval, read back as float16 and checked within 0.5 ULP of NumPy's float64 σ and σ' (NumPy's own
     * float64 is ~2^-52 off, far inside a float16 ULP). bfloat16 the NumPy way: raw '<u2' with
     * --dtype bf16, and 2-byte voids ('|V2', what np.save writes for an ml_dtypes bfloat16 array but
     * for the byte-order character), each written back in the convention it came in.
     */
    @Test
    void float16AndBfloat16ThroughNumpy() throws Exception {
        py(String.join("\n", "import numpy as np",
                "np.save('x16.npy', np.arange(65536, dtype=np.uint16).view(np.float16).reshape(256, 256))",
                "rng = np.random.default_rng(3)",
                "b = (rng.uniform(-100, 100, 4000).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)",
                "b[:4] = [0x7FC0, 0x7F80, 0x0000, 0x8001]",
                "np.save('xb.npy', b)", "np.save('xv.npy', b.view('V2'))"));
        run("eval", "--op", "fused", "--in", "x16.npy", "--out", "y16.npy", "--out2", "d16.npy", "--verify", "full");
        run("eval", "--op", "sigmoid", "--in", "xb.npy", "--out", "yb.npy", "--dtype", "bf16");
        run("eval", "--op", "derivative", "--in", "xv.npy", "--out", "dv.npy");
        String out = py(PRELUDE + String.join("\n",
                "def half_check(name, got, ref):",
                "    ok = ~np.isnan(ref)",
                "    assert np.array_equal(np.isnan(got.astype(np.float64)), ~ok), name + ': NaN mismatch'",
                "    g = got[ok].astype(np.float64); r = ref[ok]",
                "    err = np.abs(g - r) / np.spacing(np.abs(r).astype(got.dtype)).astype(np.float64)",
                "    assert err.max() <= 0.5 + 1e-6, '%s: %.4f ULP' % (name, err.max())",
                "    print(name, 'max', round(float(err.max()), 4), 'ULP over', g.size)",
                "x = np.load('x16.npy'); y = np.load('y16.npy'); d = np.load('d16.npy')",
                "assert y.dtype == np.float16 and y.shape == (256, 256) and d.dtype == np.float16",
                "half_check('sigmoid f16', y, sig(x))", "half_check('derivative f16', d, dsig(x))",
                "def bf(u): return (u.astype(np.uint32) << 16).view(np.float32)",
                "def bf_check(name, u, ref):",
                "    got = bf(u).astype(np.float64); ok = ~np.isnan(ref)",
                "    assert np.array_equal(np.isnan(got), ~ok), name + ': NaN mismatch'",
                "    r = ref[ok]; e = np.floor(np.log2(np.maximum(np.abs(r), 2.0**-140)))",
                "    ulp = 2.0 ** (np.maximum(e, -126) - 7)",
                "    err = np.abs(got[ok] - r) / ulp",
                "    assert err.max() <= 0.5 + 1e-6, '%s: %.4f ULP' % (name, err.max())",
                "    print(name, 'max', round(float(err.max()), 4), 'ULP over', r.size)",
                "xb = np.load('xb.npy'); yb = np.load('yb.npy'); assert yb.dtype == np.uint16, yb.dtype",
                "bf_check('sigmoid bf16 <u2', yb, sig(bf(xb)))",
                "dv = np.load('dv.npy'); assert dv.dtype.kind == 'V' and dv.dtype.itemsize == 2, dv.dtype",
                "bf_check('derivative bf16 V2', dv.view(np.uint16), dsig(bf(xb)))",
                "print('half interop ok')"));
        assertTrue(out.contains("half interop ok"), out);
        System.err.println(out.trim());
    }

    @Test
    void numpyErrorsAreRejectedInOneLine() throws Exception {
        py(String.join("\n", "import numpy as np",
                "np.save('i.npy', np.arange(4, dtype=np.int32))",
                "np.save('be.npy', np.arange(4, dtype='>f4'))",
                "np.save('c.npy', np.ones(4, dtype=np.complex64))",
                "np.save('o.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)",
                "np.savez('z.npz', a=np.ones(3))"));
        for (String[] c : new String[][] {{"i.npy", "integer"}, {"be.npy", "big-endian"}, {"c.npy", "complex"}, {"o.npy", "object"},
                {"z.npz", "zip archive"}}) {
            Cli.run("eval", "--op", "sigmoid", "--in", dir.resolve(c[0]).toString(), "--out", dir.resolve("out.npy").toString())
                    .assertOneErrorLine(2, c[1]);
        }
        assertTrue(!Files.exists(dir.resolve("out.npy")));
    }

    private void run(String... args) {
        List<String> a = new ArrayList<>();
        for (String s : args) {
            a.add(s.endsWith(".npy") ? dir.resolve(s).toString() : s);
        }
        Cli.Result r = Cli.run(a);
        assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
    }
}
