package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.cli.npy.Npy;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;

/** --precision on every command that evaluates: the tier reaches the backend, the reports name it, bounds follow it. */
class PrecisionCliTest {
    @TempDir
    Path dir;

    @Test
    void devicesNamesTheTierAndTheKernelThatWouldRun() {
        Cli.Result r = Cli.run("devices", "--precision", "fast");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cpu\\s+yes\\s+cpu: .*, fast, f32 simd-(256|512)-fast, .*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+precision\\s+fast")), r.out());
        assertTrue(r.out().contains("precision: fast (verifier bounds: σ 3, σ' 2.5, backward 3.5 ULP"), r.out());
        Cli.Result d = Cli.run("devices");
        assertTrue(d.out().lines().anyMatch(l -> l.matches("\\s+precision\\s+accurate")), d.out());
    }

    @Test
    void evalWithFastMeetsTheFastBoundAndSaysSo() throws IOException {
        float[] x = Cli.floats(5000, 3, -40, 40);
        Path in = dir.resolve("x.npy");
        Npy.write(in, new long[] {x.length}, x);
        Path out = dir.resolve("y.npy");
        Cli.Result r = Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString(), "--backend", "cpu",
                "--precision", "fast", "--verify", "full");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("fast, f32 simd-"), "the provenance names the tier and kernel: " + r.err());
        float[] y = Npy.readFloats(out);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Ulps.error(y[i], Reference.sigmoid(x[i])));
        }
        assertTrue(worst <= Precision.FAST.bound(Op.SIGMOID, 0), "worst " + worst);
    }

    @Test
    void accuracyChecksAgainstTheTiersBound() {
        Cli.Result r = Cli.run("accuracy", "--backend", "cpu", "--precision", "fast", "--samples", "20000", "--op", "sigmoid,derivative,backward",
                "--dtype", "f32");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("precision fast"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("f32\\s+sigmoid\\s+y\\s+20000\\s+[0-9.]+\\s+3\\s+ok\\s.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("f32\\s+derivative\\s+d\\s+20000\\s+[0-9.]+\\s+2\\.5\\s+ok\\s.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("f32\\s+backward\\s+gradIn\\s+20000\\s+[0-9.]+\\s+3\\.5\\s+ok\\s.*")), r.out());
    }

    @Test
    void benchAndRunTakeTheTier() {
        Cli.Result r = Cli.run("bench", "--backends", "cpu", "--ops", "sigmoid", "--sizes", "4K", "--repeat", "2", "--warmup", "0",
                "--jit-warmup", "0", "--precision", "fast");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("fast, f32 simd-"), r.out());
    }

    @Test
    void anUnknownTierIsAUsageError() {
        Cli.run("devices", "--precision", "sloppy").assertOneErrorLine(2, "--precision", "sloppy", "accurate or fast");
    }
}
