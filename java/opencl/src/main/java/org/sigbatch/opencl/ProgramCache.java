package org.sigbatch.opencl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * On-disk cache of program binaries, one file per (source, options, device, driver):
 * {@code <dir>/<sha256>.bin}. Writes go through a temporary file and an atomic rename, so a reader
 * never sees half a binary; any I/O problem just means "build from source".
 */
final class ProgramCache {
    private static final System.Logger LOG = System.getLogger("org.sigbatch.opencl");
    private final Path dir;

    ProgramCache(Path dir) {
        this.dir = dir;
    }

    /** {@code opencl.cache} if set, else $XDG_CACHE_HOME/sigbatch/opencl, else ~/.cache/sigbatch/opencl. */
    static Path defaultDir(String option) {
        if (option != null && !option.isBlank()) {
            return Path.of(option);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("sigbatch").resolve("opencl");
    }

    static String key(String source, String options, ClDevice d) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : new String[] {source, options, d.platformName(), d.platformVersion(), d.name(), d.vendor(),
                    d.version(), d.driverVersion()}) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    Path path(String key) {
        return dir.resolve(key + ".bin");
    }

    byte[] load(String key) {
        Path p = path(key);
        try {
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot read cached OpenCL binary " + p + ": " + e);
            return null;
        }
    }

    void store(String key, byte[] binary) {
        Path p = path(key);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            Files.write(tmp, binary);
            Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot cache OpenCL binary at " + p + ": " + e);
        }
    }

    void delete(String key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot delete rejected OpenCL binary " + path(key) + ": " + e);
        }
    }
}
