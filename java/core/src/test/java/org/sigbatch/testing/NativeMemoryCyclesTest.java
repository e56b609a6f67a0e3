package org.sigbatch.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 1,000 evaluator open/close cycles (each with a call and a device array) in a child JVM under Native
 * Memory Tracking: from cycle 100 to cycle 1,000 the memory the JVM allocates for native use outside
 * the Java heap, the code cache and the compiler (direct buffers and Unsafe: "Other"; threads and
 * their stacks) does not grow, and neither does the thread count (a GC settles both snapshots). The OpenCL and CUDA contracts count
 * their native objects instead (NMT does not see a driver's allocations).
 */
class NativeMemoryCyclesTest {
    private static final int CYCLES = 1000;
    /** malloc arenas round up: growth below this is noise, a leak of one direct buffer per cycle (4 KB) is 3.6 MB. */
    private static final long SLACK_KB = 256;

    /** sim: each of its evaluators also opens the CPU backend (the fallback), so both are cycled. */
    @ParameterizedTest
    @ValueSource(strings = {"sim"})
    void noNativeMemoryGrowthOverAThousandOpenCloseCycles(String backend) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(new File(System.getProperty("java.home"), "bin/java").getPath(),
                "-XX:NativeMemoryTracking=summary", "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), OpenCloseCycles.class.getName(), backend, Integer.toString(CYCLES)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM finished");
        assertEquals(0, p.exitValue(), out);
        Map<String, Long> warm = new HashMap<>();
        Map<String, Long> end = new HashMap<>();
        for (String line : out.lines().filter(l -> l.startsWith("NMT ")).toList()) {
            String[] f = line.split(" ");
            (f[1].equals("warm") ? warm : end).put(f[2], Long.parseLong(f[3]));
        }
        assertTrue(end.containsKey("Other") && end.containsKey("Thread") && end.containsKey("threads"), out);
        long other = end.get("Other") - warm.getOrDefault("Other", 0L);
        long thread = end.get("Thread") - warm.get("Thread");
        long total = end.get("Total") - end.getOrDefault("Java_Heap", 0L) - warm.get("Total") + warm.getOrDefault("Java_Heap", 0L);
        System.out.println("NativeMemoryCycles " + backend + ": cycles " + CYCLES / 10 + " to " + CYCLES + ": Other " + other + " KB, Thread "
                + thread + " KB, threads " + warm.get("threads") + " -> " + end.get("threads") + ", total outside the heap " + total
                + " KB (code cache and compiler included)");
        assertTrue(other <= SLACK_KB, "direct/Unsafe native memory grew by " + other + " KB over " + (CYCLES - CYCLES / 10) + " cycles");
        assertTrue(thread <= SLACK_KB, "thread native memory grew by " + thread + " KB");
        assertTrue(end.get("threads") <= warm.get("threads"), "threads grew from " + warm.get("threads") + " after cycle " + CYCLES / 10
                + " to " + end.get("threads") + " after " + CYCLES); // fewer is fine: an idle compiler or GC thread exits
    }
}
