package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.Sigmoid;

/** Runs the command line in-process with captured output, and writes .npy files (good and bad) for tests. */
final class Cli {
    private Cli() {
    }

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }

        /** Exactly one line on stderr, containing every fragment (case-insensitive). */
        void assertOneErrorLine(int expectedCode, String... fragments) {
            assertEquals(expectedCode, code, () -> "exit code; stderr: " + err + "\nstdout: " + out);
            assertEquals(1, errLines().size(), () -> "expected one line on stderr, got:\n" + err);
            for (String f : fragments) {
                assertTrue(err.toLowerCase().contains(f.toLowerCase()), () -> "stderr lacks '" + f + "': " + err);
            }
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static Result run(List<String> args) {
        return run(args.toArray(String[]::new));
    }

    /** A .npy file with an arbitrary header dict (for bad-input tests), version 1.0 unless given. */
    static Path rawNpy(Path file, int major, String dict, byte[] data) throws IOException {
        int pre = major == 1 ? 10 : 12;
        int total = (pre + dict.length() + 1 + 63) / 64 * 64;
        int hlen = total - pre;
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) hlen);
        } else {
            b.putInt(hlen);
        }
        b.put(dict.getBytes(StandardCharsets.UTF_8));
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        b.put(data);
        Files.write(file, b.array());
        return file;
    }

    static byte[] f32Bytes(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    static byte[] f64Bytes(double... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return b.array();
    }

    /** Names in {@code dir} that look like our temporary files. */
    static List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    /** Skips (visibly) when {@code kind} is available here: the test needs it absent. */
    static void assumeAbsent(BackendKind kind) {
        try (Sigmoid s = Sigmoid.create(kind)) {
            System.err.println("SKIPPED assertion: " + kind.id() + " is available here (" + s.deviceName(kind.id()) + ")");
            Assumptions.abort(kind.id() + " is available here, so its 'absent backend' behaviour cannot be tested");
        } catch (BackendUnavailableException expected) {
            // absent: go on
        }
    }

    static float[] floats(int n, long seed, double lo, double hi) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return x;
    }

    static double[] doubles(int n, long seed, double lo, double hi) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = lo + (hi - lo) * r.nextDouble();
        }
        return x;
    }

    static String str(long[] shape) {
        return Arrays.toString(shape);
    }
}
