package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.sigbatch.testing.Hardware;

/** {@code sigbatch accuracy --exhaustive}: σ and σ' (fused) over all 2^32 float32 inputs on the CPU, within 1 and 2 ULP. */
class CliAccuracyExhaustiveTest {
    @Test
    void fusedFloat32OverAllInputs() {
        Assumptions.assumeTrue(Hardware.exhaustive(), "exhaustive tests run with -Dsigbatch.exhaustive=true (make test)");
        Cli.Result r = Cli.run("accuracy", "--backend", "cpu", "--exhaustive", "--op", "fused", "--dtype", "f32");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("f32\\s+fused\\s+y\\s+4294967296\\s+[0-9.]+\\s+1\\s+ok\\s.*")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("f32\\s+fused\\s+d\\s+4294967296\\s+[0-9.]+\\s+2\\s+ok\\s.*")), r.out());
        System.err.println(r.out());
    }
}
