package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.cli.npy.Npy;
import org.sigbatch.cli.npy.NpyHeader;
import org.sigbatch.reference.HalfFormat;
import org.sigbatch.reference.OpReference;

/** eval over float16 and bfloat16 .npy files: every convention read and written back, and the bad inputs refused in one line. */
class HalfEvalTest {
    @TempDir
    Path dir;

    private static short[] every() {
        short[] x = new short[1 << 16];
        for (int i = 0; i < x.length; i++) {
            x[i] = (short) i;
        }
        return x;
    }

    private static void assertCorrectlyRounded(HalfFormat f, Op op, int out, short[] x, short[] g, short[] got) {
        for (int i = 0; i < x.length; i++) {
            short want = OpReference.half(op, out, f, x[i], g == null ? 0 : g[i]);
            boolean ok = f.isNaN(want) ? f.isNaN(got[i]) : f.toDouble(want) == f.toDouble(got[i]);
            if (!ok) {
                throw new AssertionError(f + " " + op.label() + " at x=0x" + Integer.toHexString(x[i] & 0xFFFF) + ": got 0x"
                        + Integer.toHexString(got[i] & 0xFFFF) + ", want 0x" + Integer.toHexString(want & 0xFFFF));
            }
        }
    }

    @Test
    void float16EveryValueFusedKeepsF2() throws IOException {
        short[] x = every();
        Path in = dir.resolve("x.npy");
        Npy.write(in, new long[] {x.length}, x, "<f2");
        Path y = dir.resolve("y.npy");
        Path d = dir.resolve("d.npy");
        Cli.Result r = Cli.run("eval", "--op", "fused", "--in", in.toString(), "--out", y.toString(), "--out2", d.toString(), "--chunk", "5000");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("fused float16 (65536,) 65536 elements"), r.err());
        NpyHeader h = Npy.readHeader(y);
        assertEquals(DType.F16, h.dtype());
        assertEquals("<f2", h.descr());
        assertCorrectlyRounded(HalfFormat.F16, Op.FUSED, 0, x, null, Npy.readShorts(y));
        assertCorrectlyRounded(HalfFormat.F16, Op.FUSED, 1, x, null, Npy.readShorts(d));
    }

    @Test
    void bfloat16InEveryConventionIsWrittenBackInTheSame() throws IOException {
        short[] x = every();
        short[] g = new short[x.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = (short) (x[(i * 7919) & 0xFFFF] ^ 0x5A5A);
        }
        for (String descr : new String[] {"<V2", "|V2", "bfloat16", "<u2"}) {
            Path in = dir.resolve("x.npy");
            Path gr = dir.resolve("g.npy");
            Npy.write(in, new long[] {256, 256}, x, descr);
            Npy.write(gr, new long[] {256, 256}, g, descr);
            Path out = dir.resolve("gi.npy");
            Cli.Result r = Cli.run("eval", "--op", "backward", "--in", in.toString(), "--grad", gr.toString(), "--out", out.toString(),
                    "--dtype", "bf16", "--verify", "sample");
            assertEquals(0, r.code(), descr + ": " + r.err());
            NpyHeader h = Npy.readHeader(out);
            assertEquals(descr, h.descr(), "the output keeps the input's bfloat16 convention");
            assertArrayEquals(new long[] {256, 256}, h.shape());
            assertCorrectlyRounded(HalfFormat.BF16, Op.BACKWARD, 0, x, g, Npy.readShorts(out));
        }
    }

    @Test
    void badHalfInputsAreRefusedInOneLineAndNothingIsWritten() throws IOException {
        Path f2 = dir.resolve("f2.npy");
        Npy.write(f2, new long[] {3}, new short[] {0, 0x3C00, (short) 0xBC00}, "<f2");
        Path u2 = dir.resolve("u2.npy");
        Npy.write(u2, new long[] {3}, new short[] {0, 1, 2}, "<u2");
        Path f8 = dir.resolve("f8.npy");
        Npy.write(f8, new long[] {3}, new double[] {0, 1, 2});
        Path v2 = dir.resolve("v2.npy");
        Npy.write(v2, new long[] {4}, new short[] {0, 1, 2, 3}, "<V2");
        Path out = dir.resolve("out.npy");
        Cli.run("eval", "--op", "sigmoid", "--in", f2.toString(), "--out", out.toString(), "--dtype", "bf16")
                .assertOneErrorLine(2, "float16 ('<f2'), not bfloat16");
        Cli.run("eval", "--op", "sigmoid", "--in", u2.toString(), "--out", out.toString())
                .assertOneErrorLine(2, "raw 16-bit", "--dtype bf16");
        Cli.run("eval", "--op", "sigmoid", "--in", f8.toString(), "--out", out.toString(), "--dtype", "f16")
                .assertOneErrorLine(2, "float64", "does not round", "implicitly");
        Cli.run("eval", "--op", "backward", "--in", f2.toString(), "--grad", v2.toString(), "--out", out.toString())
                .assertOneErrorLine(2, "shape mismatch");
        Cli.run("eval", "--op", "sigmoid", "--in", f2.toString(), "--out", out.toString(), "--dtype", "f8")
                .assertOneErrorLine(2, "unknown --dtype");
        assertFalse(Files.exists(out));
        assertTrue(Cli.tempFiles(dir).isEmpty());
    }
}
