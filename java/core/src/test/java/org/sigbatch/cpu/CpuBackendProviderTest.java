package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sigbatch.Precision;

/** The CPU backend's options as its provider reads them (cpu.threads, cpu.simd, cpu.warmup, precision). */
class CpuBackendProviderTest {
    private static CpuBackend open(Map<String, String> options) {
        return (CpuBackend) new CpuBackendProvider().open(options);
    }

    @Test
    void theDefaultsAreOneThreadPerProcessorAccurateSimdAndABackgroundWarmUp() {
        CpuBackendProvider p = new CpuBackendProvider();
        assertEquals("cpu", p.id());
        assertEquals(0, p.rank());
        try (CpuBackend b = open(Map.of("cpu.threads", " "))) {
            assertEquals(Runtime.getRuntime().availableProcessors(), b.threads());
            assertEquals(Precision.ACCURATE, b.precision());
            assertEquals(Kernels.bestF32(), b.f32Kernels());
            assertEquals(Kernels.bestF64(), b.f64Kernels());
            assertEquals(JitWarmup.needsWarmup(Kernels.bestF32()), b.describe().containsKey("float32 JIT warm-up"));
        }
    }

    @Test
    void optionsAreReadTrimmedAndCaseBlind() {
        try (CpuBackend b = open(Map.of("cpu.threads", " 3 ", "cpu.simd", "OFF", "cpu.warmup", " Off ", "precision", "fast"))) {
            assertEquals(3, b.threads());
            assertEquals(Precision.FAST, b.precision());
            assertEquals(ScalarF32Kernels.INSTANCE, b.f32Kernels());
            assertEquals("scalar (cpu.simd=off)", b.describe().get("float32 kernels"));
            assertFalse(b.describe().containsKey("float64 JIT warm-up"), "cpu.warmup=off: no warm-up");
        }
        try (CpuBackend b = open(Map.of("cpu.warmup", "never", "precision", " "))) {
            assertEquals(Precision.ACCURATE, b.precision());
            if (JitWarmup.needsWarmup(Kernels.bestF64())) {
                assertTrue(b.describe().get("float64 JIT warm-up").startsWith("off (cpu.warmup=never)"), b.describe().toString());
            }
        }
    }

    @Test
    void badValuesAreRefusedWithTheValueInTheMessage() {
        assertEquals("cpu.threads must be a whole number, got 'two'",
                assertThrows(IllegalArgumentException.class, () -> open(Map.of("cpu.threads", "two"))).getMessage());
        assertEquals("cpu.warmup must be background, off or never, got 'Later'",
                assertThrows(IllegalArgumentException.class, () -> open(Map.of("cpu.warmup", "Later"))).getMessage());
        assertEquals("cpu.warmup.dtypes must be all, f32 or f64, got 'f16'",
                assertThrows(IllegalArgumentException.class, () -> open(Map.of("cpu.warmup.dtypes", "f16"))).getMessage());
        assertEquals("cpu.warmup.settle must be jit or none, got 'quiet'",
                assertThrows(IllegalArgumentException.class, () -> open(Map.of("cpu.warmup.settle", "quiet"))).getMessage());
    }

    /** cpu.warmup.settle: warmUp() waits for the JIT's trailing recompiles by default, not with none. */
    @Test
    void warmUpSettlesTheJitUnlessToldNot() {
        try (CpuBackend b = open(Map.of("cpu.warmup", "off"))) {
            assertTrue(b.settlesJit());
        }
        try (CpuBackend b = open(Map.of("cpu.warmup", "off", "cpu.warmup.settle", " None "))) {
            assertFalse(b.settlesJit());
        }
        try (CpuBackend b = open(Map.of("cpu.warmup", "off", "cpu.warmup.settle", "JIT"))) {
            assertTrue(b.settlesJit());
        }
    }

    /** cpu.warmup.dtypes=f32 / f64: the other family never warms up and says why; the named one warms as usual. */
    @Test
    void oneDtypeFamilyWarmsUpAndTheOtherSaysWhyNot() {
        try (CpuBackend b = open(Map.of("cpu.warmup.dtypes", " F32 "))) {
            if (JitWarmup.needsWarmup(Kernels.bestF64())) {
                assertTrue(b.describe().get("float64 JIT warm-up").startsWith("off (cpu.warmup.dtypes=f32): "), b.describe().toString());
            }
            if (JitWarmup.needsWarmup(Kernels.bestF32())) {
                assertFalse(b.describe().get("float32 JIT warm-up").startsWith("off"), b.describe().toString());
            }
        }
        try (CpuBackend b = open(Map.of("cpu.warmup.dtypes", "f64"))) {
            if (JitWarmup.needsWarmup(Kernels.bestF32())) {
                assertTrue(b.describe().get("float32 JIT warm-up").startsWith("off (cpu.warmup.dtypes=f64): "), b.describe().toString());
            }
            if (JitWarmup.needsWarmup(Kernels.bestF64())) {
                assertFalse(b.describe().get("float64 JIT warm-up").startsWith("off"), b.describe().toString());
            }
        }
    }
}
