package org.sigbatch.cpu;

import java.lang.System.Logger.Level;

/**
 * Picks the fastest kernels this JVM can run. The Vector API kernels live in classes that are only
 * loaded when the incubator module {@code jdk.incubator.vector} is in the boot layer
 * ({@code --add-modules jdk.incubator.vector}); otherwise the portable scalar kernels run, and the
 * provenance says so.
 */
public final class Kernels {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");
    private static volatile String simdUnavailableReason;

    private Kernels() {
    }

    /** True if the Vector API module is present in this JVM. */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Why the SIMD kernels are not used, or null if they are. */
    public static String simdUnavailableReason() {
        bestF32();
        return simdUnavailableReason;
    }

    public static F32Kernels bestF32() {
        return Holder.F32;
    }

    public static F64Kernels bestF64() {
        return AccurateF64Kernels.INSTANCE;
    }

    /** The portable scalar float32 kernels (for benchmarks and tests). */
    public static F32Kernels scalarF32() {
        return ScalarF32Kernels.INSTANCE;
    }

    private static final class Holder {
        static final F32Kernels F32 = loadF32();

        private static F32Kernels loadF32() {
            if (!vectorApiPresent()) {
                simdUnavailableReason = "module jdk.incubator.vector not present (run java with --add-modules jdk.incubator.vector)";
                LOG.log(Level.INFO, "sigbatch CPU engine: scalar kernels; SIMD off: " + simdUnavailableReason);
                return ScalarF32Kernels.INSTANCE;
            }
            try {
                Class<?> c = Class.forName("org.sigbatch.cpu.simd.VectorF32Kernels");
                return (F32Kernels) c.getMethod("create").invoke(null);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                simdUnavailableReason = "Vector API kernels failed to load: " + e;
                LOG.log(Level.WARNING, "sigbatch CPU engine: scalar kernels; " + simdUnavailableReason);
                return ScalarF32Kernels.INSTANCE;
            }
        }
    }
}
