package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.BackendKind;

/** devices, accuracy, run, help and usage errors. */
class OtherCommandsTest {
    @TempDir
    Path dir;

    @Test
    void devicesListsEveryBackendWithDeviceOrReason() {
        Cli.Result r = Cli.run("devices");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cpu\\s+yes\\s+cpu: .*")), r.out());
        for (String id : List.of("opencl", "cuda")) {
            assertTrue(r.out().lines().anyMatch(l -> l.matches(id + "\\s+(yes|no)\\s+\\S.*")), id + " row in\n" + r.out());
        }
        assertTrue(r.out().contains("\ncpu:\n  threads"), "describe() facts of the CPU:\n" + r.out());
        assertTrue(r.out().contains("auto would choose"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+cost model\\s+\\S.*")), "the cost model's state per backend:\n" + r.out());
    }

    @Test
    void devicesShowsTheReasonOfAnAbsentBackend() {
        Cli.assumeAbsent(BackendKind.CUDA);
        Cli.Result r = Cli.run("devices");
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cuda\\s+no\\s+.{10,}")), r.out());
    }

    @Test
    void accuracyOnTheCpuIsWithinBoundsWithSpecialValues() {
        Cli.Result r = Cli.run("accuracy", "--backend", "cpu", "--samples", "20000", "--op", "all");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String t : List.of("f32", "f64")) {
            for (String op : List.of("sigmoid", "derivative", "fused", "backward", "backward-from-output")) {
                assertTrue(r.out().lines().anyMatch(l -> l.matches(t + "\\s+" + op + "\\s+\\S+\\s+20000\\s+[0-9.]+\\s+\\d\\s+ok\\s.*")),
                        t + " " + op + " in\n" + r.out());
            }
        }
        assertTrue(r.out().contains("special values, float32"), r.out());
        assertTrue(r.out().contains("special values, float64"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("NaN") && l.trim().endsWith("ok")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("-89.0 ") && l.contains("2.227364E-39")), "σ(−89) is subnormal, not 0:\n" + r.out());
        assertTrue(!r.out().contains("FAIL"), r.out());
    }

    @Test
    void accuracyOfAWrongBackendExitsWith4() {
        Cli.Result r = Cli.run("accuracy", "-o", "faulty.mode=wrong", "--samples", "1000", "--op", "sigmoid", "--dtype", "f32");
        assertEquals(4, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL"), r.out());
        assertTrue(r.out().contains("faulty-test"), r.out());
    }

    @Test
    void accuracyRejectsBadOptions() {
        Cli.run("accuracy", "--dtype", "f16").assertOneErrorLine(2, "--dtype", "f16");
        Cli.run("accuracy", "--samples", "lots").assertOneErrorLine(2, "--samples", "not a size");
        Cli.run("accuracy", "--op", "tanh").assertOneErrorLine(2, "unknown op");
    }

    @Test
    void accuracyOnAnAbsentBackendExitsWith3() {
        Cli.assumeAbsent(BackendKind.CUDA);
        Cli.run("accuracy", "--backend", "cuda", "--samples", "100").assertOneErrorLine(3, "cuda unavailable");
    }

    @Test
    void runWritesBenchFilesAndEndsWithThePlotPath() throws IOException {
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("run", "--out-dir", out.toString(), "--sizes", "1K,4K", "--repeat", "2", "--warmup", "0", "--jit-warmup", "0",
                "--eval-size", "64K");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String f : List.of("bench.json", "bench.csv", "bench.png", "eval.json")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> lines = r.out().lines().toList();
        assertEquals("plot: " + out.resolve("bench.png"), lines.get(lines.size() - 1));
        assertTrue(r.out().contains("max error over all 65536 elements"), r.out());
        String ev = Files.readString(out.resolve("eval.json"));
        assertTrue(ev.contains("\"within_bounds\": true"), ev);
        BufferedImage img = ImageIO.read(out.resolve("bench.png").toFile());
        assertEquals(BenchReport.PLOT_WIDTH, img.getWidth());
    }

    @Test
    void runRejectsAFileAsOutputDirectory() throws IOException {
        Path f = Files.writeString(dir.resolve("file"), "x");
        Cli.run("run", "--out-dir", f.toString()).assertOneErrorLine(2, "not a directory");
    }

    @Test
    void helpAndUsageErrors() {
        Cli.Result h = Cli.run("--help");
        assertEquals(0, h.code());
        for (String c : List.of("eval", "bench", "devices", "accuracy", "run", "Exit codes")) {
            assertTrue(h.out().contains(c), c + " in help:\n" + h.out());
        }
        assertEquals(0, Cli.run("eval", "--help").code());
        Cli.run().assertOneErrorLine(2, "no command given");
        Cli.run("frobnicate").assertOneErrorLine(2, "frobnicate");
    }

    /** picocli prints a warning on System.err (and the raw text) when a description is not a valid format string, e.g. a lone '%'. */
    @Test
    void everyHelpTextFormatsWithoutPicocliWarnings() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            for (String c : List.of("eval", "bench", "devices", "accuracy", "run")) {
                Cli.Result h = Cli.run(c, "--help");
                assertEquals(0, h.code(), c + ": " + h.err());
                assertTrue(!h.out().contains("%n"), c + " --help shows a raw format string:\n" + h.out());
            }
        } finally {
            System.setErr(saved);
        }
        String warnings = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(!warnings.contains("picocli WARN"), warnings);
    }
}
