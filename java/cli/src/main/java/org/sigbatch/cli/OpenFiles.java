package org.sigbatch.cli;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which files some live process holds open, from Linux's /proc/PID/fd links. Used only to judge temporary
 * files whose name carries no pid (written by versions before it did): a file is "not open" only when
 * /proc could be read; a process whose descriptors cannot be read (another user's) is skipped, because
 * sigbatch's temporary files are written by the user who runs it.
 */
final class OpenFiles {
    private static final Path PROC = Path.of("/proc");

    private OpenFiles() {
    }

    /** The candidates that no process has open; none where /proc is absent (not Linux: cannot tell). */
    static List<Path> notOpenByAnyProcess(List<Path> candidates) {
        Map<Path, Path> real = new LinkedHashMap<>(); // the /proc links name real paths
        for (Path c : candidates) {
            try {
                real.put(c.toRealPath(), c);
            } catch (IOException gone) {
                // deleted meanwhile: not a leftover any more
            }
        }
        if (real.isEmpty() || !Files.isDirectory(PROC.resolve("self").resolve("fd"))) {
            return List.of();
        }
        Set<Path> open = new HashSet<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path pid : pids) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(pid.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            Path t = Files.readSymbolicLink(fd);
                            if (real.containsKey(t)) {
                                open.add(t);
                            }
                        } catch (IOException | UnsupportedOperationException closedMeanwhile) {
                            // the descriptor was closed while we looked
                        }
                    }
                } catch (IOException | DirectoryIteratorException unreadableOrExited) {
                    // another user's process, or one that exited: skipped (see the class comment)
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            return List.of(); // /proc unreadable: cannot tell, so report nothing
        }
        real.keySet().removeAll(open);
        return new ArrayList<>(real.values());
    }
}
