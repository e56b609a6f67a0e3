package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CudaDriver names the real cause when JCuda's native library does not load. Two kinds of test:
 * the classifier on LinkageErrors shaped exactly like JCuda's loader builds them (the loader lines
 * were captured on this project's machine, 2026-12-01, Debian 12, glibc 2.36, JCuda 12.6.0), and child
 * JVMs that really fail to load it: a damaged copy in java.io.tmpdir, a copy that needs a missing
 * C++ runtime, a tmpdir under a regular file, a noexec tmpdir (in a private mount namespace, where
 * the machine allows one).
 */
class NativeLoadReasonTest {
    static final String SO = "libJCudaDriver-12.6.0-linux-x86_64.so";

    /** The UnsatisfiedLinkError jcuda.LibUtils throws: both attempts' stack traces in one message. */
    static UnsatisfiedLinkError loaderError(String resourceAttemptLine) {
        return new UnsatisfiedLinkError(String.join("\n",
                "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"",
                "Operating system name: Linux",
                "Architecture         : amd64",
                "Architecture bit size: 64",
                "---(start of nested stack traces)---",
                "Stack trace from the attempt to load the library as a file:",
                "java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/java/packages/lib:/usr/lib64:/lib64:/lib:/usr/lib",
                "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2285)",
                "\tat jcuda.LibUtils.loadLibrary(LibUtils.java:168)",
                "Stack trace from the attempt to load the library as a resource:",
                resourceAttemptLine,
                "\tat java.base/java.lang.System.load(System.java:1647)",
                "\tat jcuda.LibUtils.loadLibraryResource(LibUtils.java:285)",
                "---(end of nested stack traces)---"));
    }

    static String reason(String line) {
        return NativeLoadReason.of(loaderError(line), "/tmp/t");
    }

    @Test
    void noDriver() {
        String r = reason("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": libcuda.so.1: cannot open shared object file: No such file or directory");
        assertTrue(r.startsWith("the NVIDIA driver library libcuda.so.1 could not be loaded"), r);
        assertTrue(r.contains("libcuda.so.1: cannot open shared object file"), r);
    }

    @Test
    void noexecTmpdir() {
        String r = reason("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": /tmp/t/" + SO + ": failed to map segment from shared object");
        assertTrue(r.startsWith("java.io.tmpdir (/tmp/t) is on a noexec mount"), r);
        assertTrue(r.contains("-Djava.io.tmpdir="), "says what to do: " + r);
        assertFalse(r.contains("NVIDIA driver"), "not blamed on the driver: " + r);
        // older glibc adds the errno text
        assertTrue(reason("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": failed to map segment from shared object: Operation not permitted")
                .contains("noexec"));
    }

    @Test
    void missingCppRuntime() {
        String r = reason("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": libstdc++.so.6: cannot open shared object file: No such file or directory");
        assertTrue(r.startsWith("JCuda's native library needs libstdc++.so.6 (the C++ runtime"), r);
        assertFalse(r.contains("NVIDIA driver"), r);
    }

    @Test
    void damagedCopyInTmpdir() {
        String r = reason("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": /tmp/t/" + SO + ": file too short");
        assertTrue(r.startsWith("a damaged or foreign copy of JCuda's native library is in java.io.tmpdir: /tmp/t/" + SO + "; delete it"), r);
        assertTrue(reason("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": /tmp/t/" + SO + ": invalid ELF header").contains("damaged"));
    }

    @Test
    void unwritableTmpdirAndMissingNatives() {
        String r = reason("java.io.IOException: Could not create directory for temporary file: /tmp/t/");
        assertTrue(r.startsWith("java.io.tmpdir (/tmp/t) is not writable"), r);
        assertTrue(reason("java.io.FileNotFoundException: /tmp/t/" + SO + " (Read-only file system)").contains("is not writable"));
        String n = reason("java.io.IOException: No resource found with name '/lib/" + SO + "'");
        assertTrue(n.startsWith("JCuda's natives jar (org.jcuda:jcuda-natives, classifier linux-x86_64) is not on the class path"), n);
    }

    @Test
    void oldGlibcAndUnknownCauses() {
        String g = reason("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": /lib64/libc.so.6: version `GLIBC_2.17' not found (required by /tmp/t/" + SO + ")");
        assertTrue(g.startsWith("a system library is older than JCuda's native library needs"), g);
        String u = reason("java.lang.UnsatisfiedLinkError: something new");
        assertEquals("JCuda's native library could not be loaded: something new", u);
    }

    /** A later touch of JCudaDriver sees NoClassDefFoundError; since JDK 17 its cause names the first error. */
    @Test
    void causeChainOfALaterTouch() {
        UnsatisfiedLinkError first = loaderError("java.lang.UnsatisfiedLinkError: /tmp/t/" + SO + ": libstdc++.so.6: cannot open shared object file: No such file or directory");
        var init = new ExceptionInInitializerError("Exception " + first + " [in thread \"main\"]");
        var later = new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
        later.initCause(init);
        assertTrue(NativeLoadReason.of(later, "/tmp/t").contains("needs libstdc++.so.6"));
        // and an error without the loader's layout keeps its own first line
        String plain = NativeLoadReason.of(new UnsatisfiedLinkError("'int jcuda.driver.JCudaDriver.cuInitNative(int)'\nmore"), "/tmp/t");
        assertEquals("JCuda's native library could not be loaded: UnsatisfiedLinkError: 'int jcuda.driver.JCudaDriver.cuInitNative(int)'", plain);
    }

    // ------------------------------------------------------------------ real failures in child JVMs

    /** The reason a fresh JVM's CudaDriver gives with this java.io.tmpdir (after {@code prefix}, e.g. unshare). */
    static Toolchain.Result child(Path tmpdir, String... prefix) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(Arrays.asList(prefix));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + tmpdir, "-cp", System.getProperty("java.class.path"), CudaDriverProbe.class.getName()));
        return Toolchain.run(Toolchain.work(), 120, cmd.toArray(String[]::new));
    }

    static String reasonOf(Toolchain.Result r) {
        return r.output().lines().filter(l -> l.startsWith("REASON ")).map(l -> l.substring(7)).findFirst()
                .orElseThrow(() -> new AssertionError("the child JVM printed no reason (exit " + r.exit() + "):\n" + r.output()));
    }

    /** JCuda's driver library from the natives jar on the class path (entry name, bytes). */
    static byte[] nativeLibrary(String[] name) throws IOException {
        Assumptions.assumeTrue("Linux".equals(System.getProperty("os.name")) && "amd64".equals(System.getProperty("os.arch")),
                "JCuda's natives in this build are for Linux x86_64 only");
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("jcuda-natives") && entry.endsWith(".jar")) {
                try (ZipFile z = new ZipFile(entry)) {
                    for (ZipEntry e : z.stream().toList()) {
                        if (e.getName().matches("lib/libJCudaDriver-.*\\.so")) {
                            name[0] = e.getName().substring(4);
                            return z.getInputStream(e).readAllBytes();
                        }
                    }
                }
            }
        }
        throw new AssertionError("no jcuda-natives jar with libJCudaDriver on the class path: " + System.getProperty("java.class.path"));
    }

    @Test
    void childWithADamagedCopyInTmpdir(@TempDir Path tmp) throws Exception {
        String[] name = new String[1];
        nativeLibrary(name);
        Files.writeString(tmp.resolve(name[0]), "not a library\n");
        String r = reasonOf(child(tmp));
        assertTrue(r.contains("a damaged or foreign copy of JCuda's native library is in java.io.tmpdir: " + tmp.resolve(name[0])), r);
    }

    /**
     * A copy whose dependency on libstdc++.so.6 names a version that does not exist: the loader's real
     * words for a missing C++ runtime. Its libcuda.so.1 dependency is renamed to libdl.so.2, so a
     * machine without a driver reports the C++ runtime, not the driver, just as a machine with one does.
     */
    @Test
    void childWhoseCopyNeedsAMissingCppRuntime(@TempDir Path tmp) throws Exception {
        String[] name = new String[1];
        byte[] so = nativeLibrary(name);
        byte[] patched = replaceAll(replaceAll(so, "libstdc++.so.6\0", "libstdc++.so.9\0"), "libcuda.so.1\0", "libdl.so.2\0\0\0");
        Files.write(tmp.resolve(name[0]), patched);
        String r = reasonOf(child(tmp));
        assertTrue(r.contains("JCuda's native library needs libstdc++.so.9 (the C++ runtime"), r);
        assertFalse(r.contains("NVIDIA driver"), r);
    }

    @Test
    void childWithTmpdirUnderAFile(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        String r = reasonOf(child(file.resolve("sub")));
        assertTrue(r.contains("java.io.tmpdir (" + file.resolve("sub") + ") is not writable"), r);
    }

    /** A tmpfs mounted noexec in a private mount namespace (needs root or user namespaces: skipped visibly otherwise). */
    @Test
    void childWithANoexecTmpdir(@TempDir Path tmp) throws Exception {
        nativeLibrary(new String[1]);
        Path mnt = Files.createDirectories(tmp.resolve("noexec"));
        Toolchain.Result r;
        try {
            r = child(mnt.resolve("t"), "unshare", "-m", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs -o noexec,size=64m sigbatch-noexec \"$0\" && exec \"$@\"", mnt.toString());
        } catch (IOException e) {
            r = new Toolchain.Result(-1, e.toString());
        }
        if (!r.output().contains("REASON ")) {
            System.err.println("SKIPPED (no private noexec mount here: " + r.output().strip() + ")");
            Assumptions.abort("no private noexec mount here (unshare -m + mount need CAP_SYS_ADMIN): " + r.output().strip());
        }
        String reason = reasonOf(r);
        assertTrue(reason.contains("java.io.tmpdir (" + mnt.resolve("t") + ") is on a noexec mount"), reason);
    }

    static byte[] replaceAll(byte[] b, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.ISO_8859_1);
        byte[] t = to.getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(f.length, t.length);
        byte[] out = b.clone();
        int hits = 0;
        for (int i = 0; i + f.length <= out.length; i++) {
            if (Arrays.equals(out, i, i + f.length, f, 0, f.length)) {
                System.arraycopy(t, 0, out, i, t.length);
                hits++;
            }
        }
        assertTrue(hits > 0, "the library names " + from.trim());
        return out;
    }
}
