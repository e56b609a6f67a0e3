package org.sigbatch.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An output file written under a temporary name in the same directory and renamed over the target
 * only on success ({@link #commit()}), so that an error or an interrupt never leaves a partial file
 * and an existing file is replaced only by a complete one. {@link #close()} without commit deletes the
 * temporary file; a shutdown hook deletes those still pending when the JVM is interrupted (Ctrl-C).
 * The temporary name is {@code .NAME.<pid>-<random>.tmp}: a SIGKILL (or a crash) leaves it behind,
 * and {@link #leftovers} finds those whose process is gone.
 */
public final class AtomicOutput implements AutoCloseable {
    private static final Set<Path> PENDING = Collections.synchronizedSet(new LinkedHashSet<>());

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (PENDING) {
                for (Path p : PENDING) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // best effort while the JVM goes down
                    }
                }
            }
        }, "sigbatch-temp-cleanup"));
    }

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private boolean committed;

    private AtomicOutput(Path target, Path temp, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
    }

    /**
     * Checks that {@code target} can be written (its directory exists, it is not a directory) and
     * throws {@link UserError} naming the problem otherwise. Used before any work starts.
     */
    public static void checkWritable(Path target, String option) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserError(option + " " + target + ": directory " + (dir == null ? "/" : dir) + " does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new UserError(option + " " + target + ": is a directory");
        }
        if (!Files.isWritable(dir)) {
            throw new UserError(option + " " + target + ": directory " + dir + " is not writable");
        }
    }

    /** Creates the temporary file next to {@code target}, with the default permissions (umask). */
    public static AtomicOutput open(Path target, String option) throws IOException {
        checkWritable(target, option);
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        for (int attempt = 0; ; attempt++) {
            Path temp = dir.resolve("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + ".tmp");
            try {
                FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                PENDING.add(temp);
                return new AtomicOutput(abs, temp, ch);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
    }

    /**
     * Temporary files of earlier runs for {@code target} that no live process is writing: same
     * directory, the name {@code .NAME.<pid>-<hex>.tmp}, and no live process with that pid (a pid
     * reused by another process hides a leftover; it never makes a live file one). Files named
     * {@code .NAME.<hex>.tmp} (versions before the pid was in the name) count where Linux's /proc
     * shows that no process has them open ({@link OpenFiles}); elsewhere they are not judged.
     */
    public static List<Path> leftovers(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            return List.of();
        }
        Pattern name = Pattern.compile("\\." + Pattern.quote(abs.getFileName().toString()) + "\\.(\\d{1,19})-[0-9a-f]{1,16}\\.tmp");
        Pattern before = Pattern.compile("\\." + Pattern.quote(abs.getFileName().toString()) + "\\.[0-9a-f]{1,16}\\.tmp");
        List<Path> found = new ArrayList<>();
        List<Path> unnamed = new ArrayList<>();
        String prefix = "." + abs.getFileName() + ".";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : ds) {
                if (PENDING.contains(p) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String file = p.getFileName().toString();
                Matcher m = name.matcher(file);
                if (m.matches()) {
                    if (!alive(m.group(1))) {
                        found.add(p);
                    }
                } else if (before.matcher(file).matches()) {
                    unnamed.add(p);
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            return List.of(); // a warning only: an unreadable directory fails later, with its own message
        }
        if (!unnamed.isEmpty()) {
            found.addAll(OpenFiles.notOpenByAnyProcess(unnamed));
        }
        found.sort(null);
        return found;
    }

    private static boolean alive(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** One line about {@link #leftovers} of {@code target}, or null if there are none. */
    public static String leftoverWarning(Path target) {
        List<Path> l = leftovers(target);
        if (l.isEmpty()) {
            return null;
        }
        long bytes = 0;
        for (Path p : l) {
            try {
                bytes += Files.size(p);
            } catch (IOException ignored) {
                // gone meanwhile
            }
        }
        return "warning: " + l.size() + " temporary file" + (l.size() == 1 ? "" : "s") + " of an interrupted earlier run beside " + target
                + " (" + bytes + " bytes; the process that wrote " + (l.size() == 1 ? "it" : "them") + " is gone): "
                + String.join(", ", l.stream().map(p -> p.getFileName().toString()).toList()) + "; delete "
                + (l.size() == 1 ? "it" : "them") + " (see docs/cli.md, Atomic outputs)";
    }

    public FileChannel channel() {
        return channel;
    }

    public Path target() {
        return target;
    }

    public Path temp() {
        return temp;
    }

    /** Flushes the temporary file and renames it over the target. */
    public void commit() throws IOException {
        channel.force(false);
        channel.close();
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        committed = true;
        PENDING.remove(temp);
    }

    /** Deletes the temporary file unless committed. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted next
        }
        if (!committed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // left for the shutdown hook
                return;
            }
            PENDING.remove(temp);
        }
    }

    /** Writes {@code bytes} to {@code target} atomically (CSV, JSON, PNG outputs). */
    public static void write(Path target, String option, byte[] bytes) throws IOException {
        try (AtomicOutput o = open(target, option)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                o.channel().write(b);
            }
            o.commit();
        }
    }
}
