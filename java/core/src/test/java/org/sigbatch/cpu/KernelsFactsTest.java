package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.Precision;

/**
 * What kernel selection reports in a JVM with the Vector API (the test JVM runs with
 * jdk.incubator.vector): the float64 and half candidates, the reasons given, how the option value is
 * read. Complements KernelSelectionTest (the rule on every kind of machine).
 */
class KernelsFactsTest {
    @Test
    void withTheVectorApiTheSimdKernelsAreChosenAndSaySo() {
        Assumptions.assumeTrue(Kernels.vectorApiPresent(), "needs --add-modules jdk.incubator.vector");
        assertNull(Kernels.simdUnavailableReason());
        List<Kernels.F64Candidate> f64 = Kernels.f64Candidates();
        assertEquals(List.of("simd", "table"), f64.stream().map(Kernels.F64Candidate::id).toList());
        assertTrue(f64.get(0).present() && f64.get(1).present(), f64.toString());
        assertNull(f64.get(0).absentReason());
        assertSame(f64.get(0).kernels(), Kernels.bestF64());
        assertSame(AccurateF64Kernels.INSTANCE, f64.get(1).kernels());
        assertFalse(Kernels.halfRounding() == HalfRounding.SCALAR, "the SIMD rounding: " + Kernels.halfRounding().name());
        assertSame(ScalarF32Kernels.INSTANCE, Kernels.scalarF32());
        Kernels.F32Choice acc = Kernels.selectF32(Precision.ACCURATE, null);
        assertTrue(acc.reason().matches("auto for accurate, (8|16) float lanes"), acc.reason());
        Kernels.F32Choice fast = Kernels.selectF32(Precision.FAST, "  ");
        assertTrue(fast.reason().matches("auto for fast, (8|16) float lanes"), fast.reason());
        assertFalse(new Kernels.F64Candidate("x", null, "why").present());
        assertFalse(new Kernels.F32Candidate("x", Precision.FAST, null, "why").present());
    }

    @Test
    void theOptionValueIsTrimmedAndCaseBlindAndOnlyAccurateKernelsCanBeForced() {
        Kernels.F32Choice c = Kernels.selectF32(Precision.FAST, " F64Inside ");
        assertEquals("f64inside", c.candidate());
        assertEquals("cpu.f32kernel=f64inside", c.reason());
        assertSame(Kernels.f32Candidate(Kernels.F64INSIDE).kernels(), c.kernels());
        assertEquals("auto", Kernels.selectF32(Precision.ACCURATE, "AUTO").reason().substring(0, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> Kernels.selectF32(Precision.ACCURATE, "fast"));
        assertEquals("cpu.f32kernel must be auto, f64inside or floatonly, got 'fast'", e.getMessage());
        var u = assertThrows(IllegalArgumentException.class, () -> Kernels.f32Candidate("gpu"));
        assertEquals("unknown float32 kernel 'gpu' (expected f64inside, floatonly, fast or scalar)", u.getMessage());
        assertSame(Kernels.f32Candidate(Kernels.SCALAR).kernels(), ScalarF32Kernels.INSTANCE);
    }

    @Test
    void theFloatOnlyKernelsNeedEightLanesNotMore() {
        assertEquals(Kernels.FLOATONLY, Kernels.autoRule(Precision.ACCURATE, Kernels.FLOATONLY_MIN_LANES, false, true, false));
        assertEquals(Kernels.SCALAR, Kernels.autoRule(Precision.ACCURATE, Kernels.FLOATONLY_MIN_LANES - 1, false, true, false));
        assertEquals(Kernels.SCALAR, Kernels.autoRule(Precision.FAST, 16, false, false, false), "FAST without its kernel and no SIMD: scalar");
    }
}
