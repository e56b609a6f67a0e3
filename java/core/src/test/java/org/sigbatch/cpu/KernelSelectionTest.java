package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sigbatch.Precision;

/** The CPU engine's kernel candidates and the rule that picks one per tier and machine. */
class KernelSelectionTest {
    @Test
    void autoRuleOnEveryKindOfMachine() {
        // (tier, float lanes, f64inside present, floatonly present, fast present) -> candidate
        assertEquals("f64inside", Kernels.autoRule(Precision.ACCURATE, 8, true, false, true), "AVX2, no float-only class");
        assertEquals("f64inside", Kernels.autoRule(Precision.ACCURATE, 16, true, false, true), "AVX-512, no float-only class");
        // measured: float-only slower than double-inside on AVX2 and AVX-512 (Kernels.FLOATONLY_MIN_LANES)
        assertEquals("f64inside", Kernels.autoRule(Precision.ACCURATE, 8, true, true, true), "AVX2 with the float-only class");
        assertEquals("f64inside", Kernels.autoRule(Precision.ACCURATE, 16, true, true, true), "AVX-512 with the float-only class");
        assertEquals("floatonly", Kernels.autoRule(Precision.ACCURATE, 16, false, true, true), "float-only where double-inside is absent");
        assertEquals("f64inside", Kernels.autoRule(Precision.ACCURATE, 4, true, true, true), "SSE/NEON width: too few float lanes");
        assertEquals("scalar", Kernels.autoRule(Precision.ACCURATE, 4, false, true, true), "too few lanes for the float-only table");
        assertEquals("scalar", Kernels.autoRule(Precision.ACCURATE, 1, false, false, false), "no Vector API");
        assertEquals("fast", Kernels.autoRule(Precision.FAST, 8, true, true, true));
        assertEquals("fast", Kernels.autoRule(Precision.FAST, 16, true, false, true));
        assertEquals("f64inside", Kernels.autoRule(Precision.FAST, 8, true, false, false), "FAST falls back to an ACCURATE kernel");
        assertEquals("scalar", Kernels.autoRule(Precision.FAST, 1, false, false, false));
    }

    @Test
    void candidatesInAFixedOrderEachWithKernelsOrAReason() {
        List<Kernels.F32Candidate> cs = Kernels.f32Candidates();
        assertEquals(List.of("f64inside", "floatonly", "fast", "scalar"), cs.stream().map(Kernels.F32Candidate::id).toList());
        assertEquals(List.of(Precision.ACCURATE, Precision.ACCURATE, Precision.FAST, Precision.ACCURATE),
                cs.stream().map(Kernels.F32Candidate::tier).toList());
        for (Kernels.F32Candidate c : cs) {
            assertTrue(c.present() != (c.absentReason() != null), c.id() + ": exactly one of kernels and reason");
        }
        Kernels.F32Candidate fo = Kernels.f32Candidate("floatonly");
        if (!fo.present()) {
            assertTrue(fo.absentReason().contains("VectorF32FloatOnlyKernels"), fo.absentReason());
        }
        // tests run with the Vector API: the other SIMD candidates must have loaded
        assertTrue(Kernels.f32Candidate("f64inside").present(), Kernels.f32Candidate("f64inside").absentReason());
        assertTrue(Kernels.f32Candidate("fast").present(), Kernels.f32Candidate("fast").absentReason());
        assertTrue(Kernels.f32Candidate("fast").kernels().name().matches("simd-(256|512)-fast"), Kernels.f32Candidate("fast").kernels().name());
        assertThrows(IllegalArgumentException.class, () -> Kernels.f32Candidate("gpu"));
    }

    @Test
    void selectionFollowsTheTierAndTheOverride() {
        Kernels.F32Choice fast = Kernels.selectF32(Precision.FAST, "auto");
        assertEquals("fast", fast.candidate());
        assertSame(Kernels.f32Candidate("fast").kernels(), fast.kernels());
        Kernels.F32Choice acc = Kernels.selectF32(Precision.ACCURATE, null);
        assertEquals("f64inside", acc.candidate(), acc.reason());
        assertTrue(Kernels.f32Candidate("floatonly").present(), "the float-only kernels load here: " + Kernels.f32Candidate("floatonly").absentReason());
        assertEquals("floatonly", Kernels.selectF32(Precision.ACCURATE, "floatonly").candidate());
        assertSame(acc.kernels(), Kernels.bestF32());
        assertTrue(acc.reason().contains("float lanes"), acc.reason());
        Kernels.F32Choice forced = Kernels.selectF32(Precision.FAST, " F64inside ");
        assertEquals("f64inside", forced.candidate());
        assertEquals("cpu.f32kernel=f64inside", forced.reason());
        var bad = assertThrows(IllegalArgumentException.class, () -> Kernels.selectF32(Precision.ACCURATE, "fastest"));
        assertTrue(bad.getMessage().contains("auto, f64inside or floatonly"), bad.getMessage());
        if (!Kernels.f32Candidate("floatonly").present()) {
            var absent = assertThrows(IllegalArgumentException.class, () -> Kernels.selectF32(Precision.ACCURATE, "floatonly"));
            assertTrue(absent.getMessage().contains("not available here"), absent.getMessage());
        }
    }

    @Test
    void theProviderReadsPrecisionAndKernelOptions() {
        CpuBackendProvider p = new CpuBackendProvider();
        try (CpuBackend b = (CpuBackend) p.open(Map.of("precision", "fast", "cpu.threads", "1"))) {
            assertEquals(Precision.FAST, b.precision());
            assertTrue(b.device().contains("fast, f32 simd-"), b.device());
            assertTrue(b.f32Kernels().name().endsWith("-fast"), b.device());
            assertEquals("fast", b.describe().get("precision"));
            assertTrue(b.describe().get("float32 kernels").contains("auto for fast"), b.describe().toString());
        }
        try (CpuBackend b = (CpuBackend) p.open(Map.of("precision", "fast", "cpu.f32kernel", "f64inside"))) {
            assertTrue(b.device().contains("fast, f32 simd-") && b.device().contains("-f64inside"), b.device());
        }
        try (CpuBackend b = (CpuBackend) p.open(Map.of())) {
            assertEquals(Precision.ACCURATE, b.precision());
            assertTrue(b.device().contains("accurate"), b.device());
        }
        try (CpuBackend b = (CpuBackend) p.open(Map.of("cpu.simd", "off", "precision", "fast"))) {
            assertEquals("scalar", b.f32Kernels().name());
        }
        assertThrows(IllegalArgumentException.class, () -> p.open(Map.of("precision", "sloppy")));
    }
}
