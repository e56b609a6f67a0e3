package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.cli.npy.Npy;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;

/** The shaded jar and the launcher script, run as processes the way users run them (failsafe, after package). */
class SigbatchJarIT {
    @TempDir
    Path dir;

    static Path jar;

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("sigbatch.jar", "target/sigbatch.jar"));
        Assumptions.assumeTrue(Files.isRegularFile(jar), "no shaded jar at " + jar + " (built in the package phase)");
    }

    record Proc(int code, String out, String err) {
        /** stderr without the JVM's own notice about the incubator module. */
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules")).toList();
        }
    }

    private Proc exec(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().putAll(env);
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()); // not a terminal: no progress bar
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        Proc r = new Proc(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private Proc java(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, Map.of());
    }

    @Test
    void evalThroughTheJar() throws Exception {
        float[] x = Cli.floats(5000, 9, -30, 30);
        Npy.write(dir.resolve("x.npy"), new long[] {50, 100}, x);
        Proc r = java("eval", "--op", "fused", "--in", "x.npy", "--out", "y.npy", "--out2", "d.npy", "--verify", "sample", "--chunk", "1K");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("fused float32 (50, 100) 5000 elements on "), r.err());
        float[] y = Npy.readFloats(dir.resolve("y.npy"));
        float[] d = Npy.readFloats(dir.resolve("d.npy"));
        for (int i = 0; i < x.length; i++) {
            assertTrue(Ulps.error(y[i], Reference.sigmoid(x[i])) <= 1, "σ at " + i);
            assertTrue(Ulps.error(d[i], Reference.derivative(x[i])) <= 2, "σ' at " + i);
        }
    }

    @Test
    void badInputThroughTheJarIsOneLineAndExit2() throws Exception {
        Files.writeString(dir.resolve("bad.npy"), "hello");
        Files.writeString(dir.resolve("y.npy"), "keep me");
        Proc r = java("eval", "--op", "sigmoid", "--in", "bad.npy", "--out", "y.npy");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).contains("not an .npy file"), r.err());
        assertEquals("keep me", Files.readString(dir.resolve("y.npy")));
        assertEquals(List.of(), Cli.tempFiles(dir));
    }

    @Test
    void devicesAndVersionThroughTheJar() throws Exception {
        Proc r = java("devices");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cpu\\s+yes\\s+.*")), r.out());
        Proc v = java("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("sigbatch "), v.out());
    }

    @Test
    void theLauncherRunsWithACorruptAotCacheAndKeepsJvmMessagesOffStdout() throws Exception {
        Path launcher = Path.of(System.getProperty("sigbatch.launcher", "src/main/dist/sigbatch"));
        Assumptions.assumeTrue(Files.isExecutable(launcher), "no launcher at " + launcher);
        Path copy = dir.resolve("sigbatch.jar");
        Files.copy(jar, copy);
        Path aot = dir.resolve("sigbatch.aot");
        Files.writeString(aot, "not an AOT cache");
        Files.setLastModifiedTime(aot, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000)); // newer than the jar
        Files.writeString(dir.resolve("sigbatch.aot.jdk"), Path.of(System.getProperty("java.home")).toRealPath() + "\n");
        Proc r = exec(List.of(launcher.toAbsolutePath().toString(), "--version"),
                Map.of("SIGBATCH_JAR", copy.toString(), "JAVA_HOME", System.getProperty("java.home")));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("sigbatch "), "stdout must hold only the command's output: " + r.out());
    }

    @Test
    void theLauncherScriptFindsAJdkAndPassesTheFlags() throws Exception {
        Path launcher = Path.of(System.getProperty("sigbatch.launcher", "src/main/dist/sigbatch"));
        Assumptions.assumeTrue(Files.isExecutable(launcher), "no launcher at " + launcher);
        Proc r = exec(List.of(launcher.toAbsolutePath().toString(), "devices"),
                Map.of("SIGBATCH_JAR", jar.toAbsolutePath().toString(), "JAVA_HOME", System.getProperty("java.home")));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cpu\\s+yes\\s+.*")), r.out());
    }
}
