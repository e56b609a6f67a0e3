package org.sigbatch.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Facts about the machine and JVM, recorded with benchmark results. */
public final class MachineInfo {
    private MachineInfo() {
    }

    public static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("arch", System.getProperty("os.arch"));
        m.put("cpu_model", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_bytes", memoryBytes());
        m.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        return m;
    }

    public static String jdk() {
        return System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")";
    }

    /** "model name" from /proc/cpuinfo, else os.arch. */
    public static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (l.startsWith("model name") || l.startsWith("Model") || l.startsWith("cpu model")) {
                    int c = l.indexOf(':');
                    if (c > 0) {
                        return l.substring(c + 1).trim();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    /** Physical memory in bytes, or -1 if unknown. */
    public static long memoryBytes() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize();
            }
        } catch (LinkageError | RuntimeException e) {
            // jdk.management absent
        }
        return -1;
    }

    /** One line: "Linux 6.1 amd64, AMD EPYC 7B13 (2 cores), 23.5 GiB; JDK ...". */
    public static String summary() {
        long mem = memoryBytes();
        return System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + cpuModel() + " ("
                + Runtime.getRuntime().availableProcessors() + " cores" + (mem > 0 ? ", " + Sizes.bytes(mem) : "") + "), JDK "
                + System.getProperty("java.runtime.version");
    }
}
