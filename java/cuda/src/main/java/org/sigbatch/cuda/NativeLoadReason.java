package org.sigbatch.cuda;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns JCuda's native-library load failure into the one cause a user can act on. JCuda's loader
 * (jcuda.LibUtils) first tries {@code System.loadLibrary} (which fails unless the library is on
 * java.library.path), then unpacks {@code libJCudaDriver-<version>-linux-x86_64.so} from its natives
 * jar into java.io.tmpdir and loads it from there; it throws one UnsatisfiedLinkError whose message
 * holds both attempts' stack traces. The second attempt's first line says what really went wrong
 * (the dynamic loader's words): a missing libcuda.so.1 (no driver), a missing libstdc++, a noexec
 * tmpdir, a damaged copy left in tmpdir, an unwritable tmpdir, the natives jar not on the class path.
 * Pure string work, so every case is unit-tested without a GPU.
 */
final class NativeLoadReason {
    /** The header of the second attempt's stack trace in LibUtils' message. */
    static final String RESOURCE_ATTEMPT = "attempt to load the library as a resource:";
    private static final Pattern MISSING = Pattern.compile("([^\\s:]+): cannot open shared object file");
    private static final Pattern SO_PATH = Pattern.compile("(/\\S*?\\.so)\\b");

    private NativeLoadReason() {
    }

    /**
     * The reason for a LinkageError from the first touch of JCudaDriver (or a NoClassDefFoundError
     * whose cause chain holds that first error).
     *
     * @param tmpdir java.io.tmpdir at the time of the attempt (JCuda unpacks there)
     */
    static String of(Throwable e, String tmpdir) {
        String line = loaderLine(e);
        if (line == null) {
            return "JCuda's native library could not be loaded: " + firstLine(e);
        }
        return classify(line, tmpdir);
    }

    /** Maps the loader's words (the first line of the second attempt's trace) to a cause and a remedy. */
    static String classify(String line, String tmpdir) {
        String detail = detail(line);
        String d = detail.toLowerCase(Locale.ROOT);
        Matcher missing = MISSING.matcher(detail);
        if (d.contains("failed to map segment") || d.contains("operation not permitted")) {
            return "java.io.tmpdir (" + tmpdir + ") is on a noexec mount: JCuda unpacks its native library there and the loader"
                    + " cannot map it; start Java with -Djava.io.tmpdir=<a directory on an exec mount> (" + detail + ")";
        }
        if (missing.find() && !missing.group(1).contains("JCudaDriver")) {
            String lib = missing.group(1);
            if (lib.startsWith("libcuda.so")) {
                return "the NVIDIA driver library " + lib + " could not be loaded (no NVIDIA driver on this machine, or it is not"
                        + " on the loader path): " + lib + ": cannot open shared object file";
            }
            String hint = lib.startsWith("libstdc++") ? " (the C++ runtime: Debian/Ubuntu package libstdc++6)" : "";
            return "JCuda's native library needs " + lib + hint + ", which is not installed or not on the loader path (" + detail + ")";
        }
        if (d.contains("file too short") || d.contains("invalid elf header") || d.contains("wrong elf class")
                || d.contains("elf load command") || d.contains("not an elf")) {
            Matcher p = SO_PATH.matcher(detail);
            String file = p.find() ? p.group(1) : "the copy in " + tmpdir;
            return "a damaged or foreign copy of JCuda's native library is in java.io.tmpdir: " + file + "; delete it (JCuda"
                    + " reuses an existing copy instead of unpacking a fresh one) (" + detail + ")";
        }
        if (d.contains("version `glibc") || d.contains("version `glibcxx") || d.contains("version `cxxabi")) {
            return "a system library is older than JCuda's native library needs (JCuda 12.6 wants glibc >= 2.17 and a"
                    + " matching libstdc++): " + detail;
        }
        if (d.contains("undefined symbol")) {
            return "JCuda's native library does not match the system's libraries: " + detail;
        }
        if (d.contains("no resource found")) {
            return "JCuda's natives jar (org.jcuda:jcuda-natives, classifier linux-x86_64) is not on the class path, or this"
                    + " JVM (" + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ") is not Linux x86_64: " + detail;
        }
        if (d.contains("could not create directory") || d.contains("permission denied") || d.contains("read-only file system")
                || d.contains("no space left") || line.startsWith("java.io.")) {
            return "java.io.tmpdir (" + tmpdir + ") is not writable: JCuda cannot unpack its native library there; start Java"
                    + " with -Djava.io.tmpdir=<a writable directory> (" + detail + ")";
        }
        return "JCuda's native library could not be loaded: " + detail;
    }

    /**
     * The first line after {@link #RESOURCE_ATTEMPT} in any message of the chain (causes and
     * suppressed included); else any line naming a shared object that cannot be opened; else null.
     */
    static String loaderLine(Throwable e) {
        String fallback = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Throwable[] all = new Throwable[t.getSuppressed().length + 1];
            all[0] = t;
            System.arraycopy(t.getSuppressed(), 0, all, 1, all.length - 1);
            for (Throwable x : all) {
                String m = x.getMessage();
                if (m == null) {
                    continue;
                }
                String[] lines = m.split("\\R");
                for (int i = 0; i < lines.length; i++) {
                    if (lines[i].contains(RESOURCE_ATTEMPT)) {
                        for (int j = i + 1; j < lines.length; j++) {
                            if (!lines[j].isBlank()) {
                                return lines[j].trim();
                            }
                        }
                    }
                    if (fallback == null && MISSING.matcher(lines[i]).find()) {
                        fallback = lines[i].trim();
                    }
                }
            }
        }
        return fallback;
    }

    /** "java.lang.UnsatisfiedLinkError: /tmp/x.so: libcuda.so.1: ..." -> "/tmp/x.so: libcuda.so.1: ...". */
    static String detail(String line) {
        Matcher m = Pattern.compile("^(?:[\\w$]+\\.)+[\\w$]*(?:Error|Exception)(?::\\s*)?").matcher(line);
        String d = m.find() && !line.substring(m.end()).isBlank() ? line.substring(m.end()) : line;
        return d.trim();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return e.getClass().getSimpleName() + ": " + m.lines().findFirst().orElse("").trim();
    }
}
