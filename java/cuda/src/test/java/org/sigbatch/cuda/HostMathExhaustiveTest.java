package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.testing.Hardware;

/** The kernel math over ALL 2^32 float32 inputs (fused; the single-output kernels, backward and the float-only rows on every 8th) and 3*10^7 float64 samples (make test; minutes on 2 cores). */
class HostMathExhaustiveTest {
    @Test
    void kernelMathOverAllFloat32Inputs() throws Exception {
        Assumptions.assumeTrue(Hardware.exhaustive(), "exhaustive tests run with -Dsigbatch.exhaustive=true (make test)");
        Map<String, Double> max = HostMathCheckTest.run("exhaustive");
        // issue 9's bound for the ACCURATE path (measured on all 2^32: 0.500000 for both)
        assertTrue(max.get("f32 sigmoid") <= 0.501 && max.get("f32 derivative") <= 0.501, max.toString());
    }
}
