package org.sigbatch.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.testing.Hardware;

/** Test support: the repository layout, nvcc, running a process, opening the CUDA backend or skipping. */
final class Toolchain {
    private Toolchain() {
    }

    /** The repository root (surefire sets sigbatch.root; the GPU bundle sets it to its copy). */
    static Path root() {
        String r = System.getProperty("sigbatch.root");
        Path p = r != null && !r.isBlank() ? Path.of(r) : Path.of("../..");
        return p.toAbsolutePath().normalize();
    }

    static Path kernels() {
        return root().resolve("kernels-cuda");
    }

    /** Where tests write build outputs: this module's target/ (or java.io.tmpdir in the bundle). */
    static Path work() throws IOException {
        Path t = Path.of(System.getProperty("java.io.tmpdir"), "sigbatch-cuda-test");
        Files.createDirectories(t);
        return t;
    }

    /** nvcc from $NVCC, PATH, /usr/local/cuda/bin or /usr/local/bin; null if none. */
    static Path nvcc() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("NVCC");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        candidates.add(Path.of("/usr/local/bin/nvcc"));
        for (Path c : candidates) {
            if (Files.isExecutable(c)) {
                return c;
            }
        }
        return null;
    }

    /** nvcc, or a visible skip (a failure when -Dsigbatch.require names nvcc). */
    static Path requireNvcc() {
        Path n = nvcc();
        Hardware.requireOrSkip("nvcc", n != null, "no nvcc on PATH, /usr/local/cuda/bin or /usr/local/bin (set NVCC=...)");
        return n;
    }

    record Result(int exit, String output) {
    }

    static Result run(Path dir, long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        Path log = Files.createTempFile(work(), "proc", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Result(p.exitValue(), out);
    }

    static String sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] b : parts) {
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The CUDA backend with these options, or a visible skip (failure under -Dsigbatch.require=cuda). */
    static CudaBackend backendOrSkip(Map<String, String> options) {
        try {
            return CudaBackend.open(options);
        } catch (BackendUnavailableException e) {
            String m = e.getMessage();
            Hardware.requireOrSkip("cuda", false, m.startsWith("cuda unavailable: ") ? m.substring("cuda unavailable: ".length()) : m);
            throw e;
        }
    }
}
