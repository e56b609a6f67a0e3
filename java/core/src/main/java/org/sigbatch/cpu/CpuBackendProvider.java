package org.sigbatch.cpu;

import java.util.Map;
import org.sigbatch.Precision;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendProvider;

/**
 * Provides the CPU backend. Options: {@code cpu.threads} (default: available processors),
 * {@code cpu.simd} ({@code auto}, {@code off}), {@code precision} ({@code accurate}, {@code fast}),
 * {@code cpu.f32kernel} ({@code auto}, {@code f64inside}, {@code floatonly}; see {@link Kernels}),
 * {@code cpu.warmup.dtypes} ({@code all}; {@code f32} or {@code f64}: warm up only the float32 kernels, or only the
 * float64 ones that float16/bfloat16 use too, and let the stand-ins compute the other dtypes),
 * {@code cpu.warmup} ({@code background}: a stand-in computes while the SIMD kernels are
 * JIT-compiled, see {@link JitWarmup}; {@code off}: the SIMD kernels from the first element, slow for
 * the first seconds of a JVM; {@code never}: the stand-in computes everything, for short runs where
 * the warm-up would cost more than it saves), {@code cpu.warmup.settle} ({@code jit}: {@code warmUp()} also waits,
 * up to 1 s, until the JIT has finished its trailing recompiles, so that the next calls have every core; {@code none}:
 * it returns once the kernels are compiled, for a caller whose own work overlaps the rest, such as eval's reader).
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
        if (!w.equals("background") && !w.equals("off") && !w.equals("never")) {
            throw new IllegalArgumentException("cpu.warmup must be background, off or never, got '" + options.get("cpu.warmup") + "'");
        }
        String p = options.get("precision");
        Precision precision = p == null || p.isBlank() ? Precision.ACCURATE : Precision.parse(p);
        Kernels.F32Choice f32 = simd ? Kernels.selectF32(precision, options.get("cpu.f32kernel"))
                : new Kernels.F32Choice(ScalarF32Kernels.INSTANCE, Kernels.SCALAR, "cpu.simd=off");
        if (w.equals("never")) {
            return CpuBackend.standInsOnly(threads, precision, f32, Kernels.bestF64());
        }
        String settle = options.getOrDefault("cpu.warmup.settle", "jit").trim().toLowerCase(java.util.Locale.ROOT);
        if (!settle.equals("jit") && !settle.equals("none")) {
            throw new IllegalArgumentException("cpu.warmup.settle must be jit or none, got '" + options.get("cpu.warmup.settle") + "'");
        }
        return open(threads, precision, f32, w, options).settleJit(settle.equals("jit"));
    }

    private static CpuBackend open(int threads, Precision precision, Kernels.F32Choice f32, String w, Map<String, String> options) {
        String dt = options.getOrDefault("cpu.warmup.dtypes", "all").trim().toLowerCase(java.util.Locale.ROOT);
        if (!dt.equals("all") && !dt.equals("f32") && !dt.equals("f64")) {
            throw new IllegalArgumentException("cpu.warmup.dtypes must be all, f32 or f64, got '" + options.get("cpu.warmup.dtypes") + "'");
        }
        if (w.equals("background") && !dt.equals("all")) {
            // one family only: the other's warm-up would take the JIT and a core from it (eval on a float32 file: 0.5 -> 0.2 s)
            return CpuBackend.warmingOnly(threads, precision, f32, Kernels.bestF64(), dt.equals("f32"));
        }
        return new CpuBackend(threads, precision, f32, Kernels.bestF64(), w.equals("background"));
    }

    /** Selects the kernels once (Vector API class initialisation: tens of ms); open() reuses the cached choice. */
    @Override
    public void preload() {
        try {
            Kernels.selectF32(Precision.ACCURATE, null);
            Kernels.bestF64();
        } catch (RuntimeException | LinkageError e) {
            // open() selects and reports the same
        }
    }
}
