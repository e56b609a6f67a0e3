package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.cli.npy.Npy;

/**
 * A SIGKILL during eval leaves {@code .NAME.<pid>-<hex>.tmp} beside the output; a later eval for the
 * same output warns about it (one line on stderr) when its process is gone, and not while it lives.
 */
class LeftoverWarningTest {
    @TempDir
    Path dir;

    private Cli.Result eval(Path in, Path out) {
        return Cli.run("eval", "--op", "sigmoid", "--in", in.toString(), "--out", out.toString(), "--backend", "cpu", "--quiet");
    }

    private Path input() throws IOException {
        Path in = dir.resolve("x.npy");
        Npy.write(in, new long[] {3}, new float[] {-1, 0, 1});
        return in;
    }

    /** The pid of a process that has exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    @Test
    void aLeftoverOfADeadProcessIsReportedOnOneLine() throws Exception {
        Path in = input();
        Path out = dir.resolve("y.npy");
        Path left = dir.resolve(".y.npy." + deadPid() + "-1a2b3c.tmp");
        Files.write(left, new byte[1234]);
        Path other = dir.resolve(".z.npy." + deadPid() + "-1a2b3c.tmp"); // another output's: not this one's
        Files.write(other, new byte[1]);
        Cli.Result r = eval(in, out);
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), r.err());
        String w = lines.get(0);
        assertTrue(w.contains("warning: 1 temporary file of an interrupted earlier run beside " + out) && w.contains(left.getFileName().toString())
                && w.contains("1234 bytes") && !w.contains(".z.npy"), w);
        assertTrue(Files.exists(left), "a warning, not a deletion");
        assertEquals(3, Npy.readFloats(out).length);
    }

    @Test
    void aTemporaryFileOfALiveProcessIsNotALeftover() throws Exception {
        Path in = input();
        Path out = dir.resolve("y.npy");
        Process live = new ProcessBuilder("sleep", "60").start();
        try {
            Files.write(dir.resolve(".y.npy." + live.pid() + "-ffee.tmp"), new byte[10]);
            Files.write(dir.resolve("y.npy.99999999-1.tmp"), new byte[10]); // not hidden: not our pattern
            Cli.Result r = eval(in, out);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.errLines().isEmpty(), r.err());
            assertTrue(AtomicOutput.leftovers(out).isEmpty());
        } finally {
            live.destroy();
        }
    }

    @Test
    void aLeftoverWithoutPidIsReportedOnlyWhenNoProcessHoldsItOpen() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux's /proc to tell open files");
        Path out = dir.resolve("y.npy");
        Path old = dir.resolve(".y.npy.1a2b3c4d5e.tmp"); // the naming before the pid was in it
        Files.write(old, new byte[77]);
        try (FileChannel held = FileChannel.open(old, StandardOpenOption.WRITE)) {
            assertTrue(AtomicOutput.leftovers(out).isEmpty(), "open in this (live) process: still being written");
        }
        Process child = new ProcessBuilder("sh", "-c", "exec 3<\"$0\"; echo ready; exec sleep 60", old.toString()).start();
        try {
            assertEquals("ready", new String(child.getInputStream().readNBytes(5)));
            assertTrue(AtomicOutput.leftovers(out).isEmpty(), "open in another live process");
        } finally {
            child.destroy();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of(old), AtomicOutput.leftovers(out), "nobody holds it: a leftover");
        Cli.Result r = eval(input(), out);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.errLines().size() == 1 && r.errLines().get(0).contains(".y.npy.1a2b3c4d5e.tmp") && r.errLines().get(0).contains("77 bytes"), r.err());
        assertTrue(Files.exists(old), "a warning, not a deletion");
    }

    @Test
    void theTemporaryNameEmbedsThePid() throws Exception {
        Path out = dir.resolve("y.npy");
        try (AtomicOutput o = AtomicOutput.open(out, "--out")) {
            String name = o.temp().getFileName().toString();
            assertTrue(name.matches("\\.y\\.npy\\." + ProcessHandle.current().pid() + "-[0-9a-f]+\\.tmp"), name);
            assertTrue(AtomicOutput.leftovers(out).isEmpty(), "a pending file of this process is not a leftover");
        }
    }
}
