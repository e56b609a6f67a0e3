package org.sigbatch.cpu;

import java.util.Map;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendProvider;

/**
 * Provides the CPU backend. Options: {@code cpu.threads} (default: available processors),
 * {@code cpu.simd} ({@code auto}, {@code off}), {@code cpu.warmup} ({@code background}: a stand-in
 * computes while the SIMD kernels are JIT-compiled, see {@link JitWarmup}; {@code off}: the SIMD
 * kernels from the first element, slow for the first seconds of a JVM).
 */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String id() {
        return "cpu";
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public Backend open(Map<String, String> options) {
        int threads = Runtime.getRuntime().availableProcessors();
        String t = options.get("cpu.threads");
        if (t != null && !t.isBlank()) {
            try {
                threads = Integer.parseInt(t.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cpu.threads must be a whole number, got '" + t + "'");
            }
        }
        boolean simd = !"off".equalsIgnoreCase(options.getOrDefault("cpu.simd", "auto"));
        String w = options.getOrDefault("cpu.warmup", "background").trim().toLowerCase(java.util.Locale.ROOT);
        if (!w.equals("background") && !w.equals("off")) {
            throw new IllegalArgumentException("cpu.warmup must be background or off, got '" + options.get("cpu.warmup") + "'");
        }
        return new CpuBackend(threads, simd ? Kernels.bestF32() : ScalarF32Kernels.INSTANCE, Kernels.bestF64(), w.equals("background"));
    }
}
