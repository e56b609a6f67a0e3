package org.sigbatch.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An output file written under a temporary name in the same directory and renamed over the target
 * only on success ({@link #commit()}), so that an error or an interrupt never leaves a partial file
 * and an existing file is replaced only by a complete one. {@link #close()} without commit deletes the
 * temporary file; a shutdown hook deletes those still pending when the JVM is interrupted (Ctrl-C).
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
            Path temp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + ".tmp");
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
