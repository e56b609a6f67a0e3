package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.testing.Hardware;

/**
 * σ and σ' of EVERY float32 kernel candidate of the CPU engine ({@link Kernels#f32Candidates()}) for
 * ALL 2^32 float32 inputs (every bit pattern: NaNs, infinities, subnormals), each against its tier's
 * bound: ACCURATE ≤ 0.501 ULP, FAST {@link Precision#FAST}'s documented bound. One reference
 * evaluation per block serves every kernel ({@link Sweep32}); the blocks run on every core.
 * Runs under {@code make test} / {@code -Dsigbatch.exhaustive=true}; {@code -Dsigbatch.exhaustive.kernels=fast,scalar}
 * restricts it to some candidates (for development; the full set is what CI runs).
 */
class CpuExhaustiveTest {
    /** The ACCURATE tier's proven bound for σ and σ' of float32 (issue 9: ≤ 0.501 ULP, subnormal results included). */
    static final double ACCURATE_PROOF = 0.501;

    static double proofBound(Precision p, Op op) {
        return p == Precision.ACCURATE ? ACCURATE_PROOF : p.bound(op, 0);
    }

    @Test
    void everyCandidateOverAllFloatInputs() {
        Assumptions.assumeTrue(Hardware.exhaustive(), "exhaustive tests run with -Dsigbatch.exhaustive=true (make test)");
        assertTrue(Kernels.vectorApiPresent(), "tests run with --add-modules jdk.incubator.vector; the sweep needs it");
        String only = System.getProperty("sigbatch.exhaustive.kernels", "");
        List<Kernels.F32Candidate> run = new ArrayList<>();
        for (Kernels.F32Candidate c : Kernels.f32Candidates()) {
            if (!only.isBlank() && !List.of(only.split(",")).contains(c.id())) {
                continue;
            }
            if (c.present()) {
                run.add(c);
            } else {
                System.out.println("candidate " + c.id() + " absent: " + c.absentReason());
            }
        }
        assertFalse(run.isEmpty(), "no candidate to sweep");
        Sweep32.Result r = Sweep32.sweep(run.stream().map(Kernels.F32Candidate::kernels).toList(), 0, 1L << 32);
        List<String> failures = new ArrayList<>();
        for (int k = 0; k < run.size(); k++) {
            Kernels.F32Candidate c = run.get(k);
            Sweep32.Stat s = r.sigma().get(k);
            Sweep32.Stat d = r.derivative().get(k);
            double bs = proofBound(c.tier(), Op.SIGMOID);
            double bd = proofBound(c.tier(), Op.DERIVATIVE);
            System.out.printf(Locale.ROOT, "%-9s %-22s %-8s all 2^32 inputs: sigma max %.6f ULP at x=%s (%d > 0.5 ULP, %d > 1); "
                            + "sigma' max %.6f ULP at x=%s (%d > 0.5 ULP, %d > 1); bound %.3f / %.3f; kernel %.1f s%n",
                    c.id(), c.kernels().name(), c.tier().id(), s.max, s.argX(), s.overHalf, s.overOne,
                    d.max, d.argX(), d.overHalf, d.overOne, bs, bd, r.kernelSeconds()[k]);
            if (!(s.max <= bs)) {
                failures.add(c.id() + " sigma " + s.max + " ULP > " + bs + " at x=" + s.argX());
            }
            if (!(d.max <= bd)) {
                failures.add(c.id() + " sigma' " + d.max + " ULP > " + bd + " at x=" + d.argX());
            }
        }
        System.out.printf(Locale.ROOT, "exhaustive sweep of %d kernel(s): %.1f s wall, reference %.1f s (summed over threads)%n",
                run.size(), r.seconds(), r.referenceSeconds());
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }
}
