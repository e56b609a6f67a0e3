package org.sigbatch.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/** The JVM's limit on direct buffers: -XX:MaxDirectMemorySize, which defaults to the maximum heap. */
final class DirectMemory {
    private DirectMemory() {
    }

    static long max() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            long v = Long.parseLong(hs.getVMOption("MaxDirectMemorySize").getValue());
            if (v > 0) {
                return v;
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot, or no jdk.management: assume the default
        }
        return Runtime.getRuntime().maxMemory();
    }
}
