package org.sigbatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.sigbatch.cpu.CpuBackendProvider;
import org.sigbatch.internal.Verifier;
import org.sigbatch.reference.Reference;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/** Precision tiers: parsing, where the tier comes from, what backends see, provenance and the verifier's bound. */
class PrecisionTest {
    @Test
    void parsesAndNamesTiers() {
        assertEquals(Precision.FAST, Precision.parse(" Fast "));
        assertEquals(Precision.ACCURATE, Precision.parse("ACCURATE"));
        assertEquals("fast", Precision.FAST.id());
        var e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("high"));
        assertTrue(e.getMessage().contains("'high'") && e.getMessage().contains("accurate or fast"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Precision.parse(null));
    }

    @Test
    void fastBoundsAreLooserAndAccurateIsTheVerifiersDefault() {
        for (Op op : Op.values()) {
            for (int k = 0; k < op.outputs(); k++) {
                assertTrue(Precision.FAST.bound(op, k) >= Precision.ACCURATE.bound(op, k), op + " output " + k);
                assertEquals(Precision.ACCURATE.bound(op, k), Verifier.bound(op, k));
            }
        }
    }

    /** A GPU stand-in that records its options and writes σ (or σ') plus {@code ulps} float ULPs. */
    static final class Skewed implements Backend {
        final AtomicReference<Map<String, String>> seen = new AtomicReference<>();
        volatile int ulps;

        BackendProvider provider() {
            return new BackendProvider() {
                @Override public String id() { return "cuda"; }
                @Override public int rank() { return 20; }
                @Override public Backend open(Map<String, String> options) { seen.set(Map.copyOf(options)); return Skewed.this; }
            };
        }

        @Override public String id() { return "cuda"; }
        @Override public String device() { return "skewed"; }
        @Override public boolean supports(Op op, DType dtype) { return dtype == DType.F32 && op.inputs() == 1; }
        @Override public long breakEvenElements(Op op, DType dtype) { return 0; }
        @Override public Map<String, String> describe() { return Map.of(); }
        @Override public void close() { }

        @Override
        public Timings execute(Op op, Batch b) {
            for (int i = 0; i < b.length(); i++) {
                float x = (float) b.in(0).get(i);
                for (int o = 0; o < op.outputs(); o++) {
                    float v = (float) Verifier.reference32(op, o, x, 0);
                    b.out(o).set(i, Float.intBitsToFloat(Float.floatToRawIntBits(v) + ulps));
                }
            }
            return Timings.NONE;
        }
    }

    private static Sigmoid.Builder with(Skewed s) {
        return Sigmoid.builder().providers(List.of(new CpuBackendProvider(), s.provider())).environment(Map.of());
    }

    @Test
    void theTierComesFromBuilderThenOptionThenPropertyThenEnvironment() {
        Skewed s = new Skewed();
        try (Sigmoid e = with(s).build()) {
            assertEquals(Precision.ACCURATE, e.precision());
            assertEquals("accurate", s.seen.get().get("precision"), "backends always see the resolved tier");
        }
        try (Sigmoid e = with(s).environment(Map.of("SIGBATCH_PRECISION", "fast")).build()) {
            assertEquals(Precision.FAST, e.precision());
            assertEquals("fast", s.seen.get().get("precision"));
        }
        String old = System.getProperty("sigbatch.precision");
        try {
            System.setProperty("sigbatch.precision", "accurate");
            try (Sigmoid e = with(s).environment(Map.of("SIGBATCH_PRECISION", "fast")).build()) {
                assertEquals(Precision.ACCURATE, e.precision(), "the system property beats the environment");
            }
            try (Sigmoid e = with(s).option("precision", "fast").build()) {
                assertEquals(Precision.FAST, e.precision(), "a builder option beats the system property");
            }
            try (Sigmoid e = with(s).option("precision", "fast").precision(Precision.ACCURATE).build()) {
                assertEquals(Precision.ACCURATE, e.precision(), "precision() beats everything");
                assertEquals("accurate", s.seen.get().get("precision"));
            }
            System.setProperty("sigbatch.precision", "bogus");
            var bad = assertThrows(IllegalArgumentException.class, () -> with(s).build());
            assertTrue(bad.getMessage().contains("bogus"), bad.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("sigbatch.precision");
            } else {
                System.setProperty("sigbatch.precision", old);
            }
        }
    }

    @Test
    void provenanceNamesTheTierAndTheCpuKernel() {
        float[] x = {-3f, 0f, 2.5f, 90f};
        float[] y = new float[x.length];
        try (Sigmoid e = Sigmoid.builder().backend(BackendKind.CPU).precision(Precision.FAST).build()) {
            Provenance p = e.sigmoid(x, y);
            assertEquals(Precision.FAST, p.precision());
            assertTrue(p.device().contains("fast, f32 simd-") && p.device().contains("-fast"), p.device());
            assertTrue(p.toString().contains("precision fast"), p.toString());
            assertTrue(e.describe("cpu").get("precision").equals("fast"));
        }
        try (Sigmoid e = Sigmoid.builder().backend(BackendKind.CPU).build()) {
            Provenance p = e.sigmoid(x, y);
            assertEquals(Precision.ACCURATE, p.precision());
            assertTrue(p.device().contains("accurate"), p.device());
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals((float) Reference.sigmoid(x[i]), y[i]);
        }
    }

    @Test
    void theVerifierChecksAgainstTheTiersBound() {
        Skewed s = new Skewed();
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = -8f + i * 0.016f;
        }
        float[] y = new float[x.length];
        s.ulps = 1; // 0.5..1.5 ULP (2.5 across a binade): within FAST's 3 ULP for σ, over ACCURATE's 1 for about half the inputs
        try (Sigmoid e = with(s).backend(BackendKind.CUDA).verify(VerifyPolicy.FULL).build()) {
            assertThrows(VerificationException.class, () -> e.sigmoid(x, y));
        }
        try (Sigmoid e = with(s).backend(BackendKind.CUDA).verify(VerifyPolicy.FULL).precision(Precision.FAST).build()) {
            Provenance p = e.sigmoid(x, y);
            assertEquals("cuda", p.backend());
            assertEquals(x.length, p.verifiedElements());
            s.ulps = 5; // over every tier's bound
            assertThrows(VerificationException.class, () -> e.sigmoid(x, y));
        }
    }
}
