package org.sigbatch.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.sigbatch.spi.CostModel;

/**
 * One backend's calibration on disk: {@code <dir>/cost-<hash of key>.properties}, where the key names
 * the backend, its device, driver and the sigbatch version, so a new driver or release measures
 * again. The default dir is {@code $XDG_CACHE_HOME/sigbatch}, else {@code ~/.cache/sigbatch}. A
 * file that cannot be read or parsed is ignored with a warning and rewritten by the next probe;
 * a cache that cannot be written costs only a probe in the next process.
 */
final class CostCache {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");
    static final String FORMAT = "1";

    /** The probe's inputs: best time {@code t1} ns of {@code n1} elements, {@code t2} of {@code n2}. */
    record Entry(long n1, double t1, long n2, double t2) {
        CostModel.Line line() {
            return CostModel.fit(n1, t1, n2, t2);
        }

        String encode() {
            return n1 + " " + t1 + " " + n2 + " " + t2;
        }

        static Entry decode(String s) {
            String[] f = s.trim().split("\\s+");
            if (f.length != 4) {
                throw new IllegalArgumentException("expected 'n1 t1 n2 t2', got '" + s + "'");
            }
            Entry e = new Entry(Long.parseLong(f[0]), Double.parseDouble(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]));
            e.line(); // validates: 0 < n1 < n2, times >= 0
            return e;
        }
    }

    private final Path file;
    private final String key;

    CostCache(Path dir, String key) {
        this.key = key;
        this.file = dir.resolve("cost-" + hash(key) + ".properties");
    }

    /** {@code $XDG_CACHE_HOME/sigbatch} if that is set to an absolute path, else {@code <home>/.cache/sigbatch}. */
    static Path defaultDir(String xdgCacheHome, String userHome) {
        if (xdgCacheHome != null && !xdgCacheHome.isBlank() && Path.of(xdgCacheHome).isAbsolute()) {
            return Path.of(xdgCacheHome, "sigbatch");
        }
        return Path.of(userHome, ".cache", "sigbatch");
    }

    Path file() {
        return file;
    }

    /** The entries on disk ("OPCLASS.DTYPE" to entry); empty when absent, corrupt (warned) or of another key. */
    Map<String, Entry> read() {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return new LinkedHashMap<>();
        } catch (IOException | IllegalArgumentException e) {
            return corrupt("unreadable: " + e.getMessage());
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            return corrupt("format '" + p.getProperty("format") + "', expected " + FORMAT);
        }
        if (!key.equals(p.getProperty("key"))) {
            return corrupt("written for '" + p.getProperty("key") + "'");
        }
        Map<String, Entry> m = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            if (name.equals("format") || name.equals("key")) {
                continue;
            }
            try {
                m.put(name, Entry.decode(p.getProperty(name)));
            } catch (IllegalArgumentException e) {
                return corrupt(name + ": " + e.getMessage());
            }
        }
        return m;
    }

    private Map<String, Entry> corrupt(String why) {
        LOG.log(Level.WARNING, "ignoring the cost-model cache " + file + " (" + why + "); it is measured again and rewritten");
        return new LinkedHashMap<>();
    }

    /** Writes all entries atomically (a temp file moved over the old one); failures are logged, not thrown. */
    void write(Map<String, Entry> entries) {
        StringBuilder sb = new StringBuilder("# sigbatch cost model: best time (ns) of n1 and of n2 elements per op class and dtype\n");
        sb.append("format=").append(FORMAT).append('\n');
        sb.append("key=").append(escape(key)).append('\n');
        new TreeMap<>(entries).forEach((k, e) -> sb.append(k).append('=').append(e.encode()).append('\n'));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "cost-", ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                }
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write the cost-model cache " + file + ": " + e);
        }
    }

    /** Properties escaping for a value (backslashes, and keys may hold ':' or '='). */
    private static String escape(String v) {
        Properties p = new Properties();
        p.setProperty("k", v);
        java.io.StringWriter w = new java.io.StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (String line : w.toString().split("\n")) {
            if (line.startsWith("k=")) {
                return line.substring(2).strip();
            }
        }
        throw new IllegalStateException("cannot escape " + v);
    }

    static String hash(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
