package org.sigbatch.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.testing.UlpCheck;
import org.sigbatch.testing.TestData;

/** Every op against the reference, float32 (both kernel paths) and float64, special values included. */
class OpenClCorrectnessTest {
    private static final int N = 200_003; // odd: exercises the vector tail

    @BeforeEach
    void requireOpenCl() {
        OpenClTesting.require();
    }

    /** f32 "double": computed in double inside; "float": the float-only compensated path, forced. */
    @ParameterizedTest
    @ValueSource(strings = {"double", "float"})
    void float32AllOps(String path) {
        try (OpenClBackend probe = OpenClTesting.backend()) {
            if (path.equals("double") && !probe.describe().get("fp64").startsWith("yes")) {
                return; // no fp64 on this device: only the float-only path exists
            }
        }
        try (Sigmoid s = OpenClTesting.sigmoid("opencl.f32", path)) {
            float[] x = TestData.inputsF32(N, 1);
            float[] g = TestData.gradF32(x.length, 2);
            float[] yIn = TestData.yF32(x.length, 3);
            int n = x.length;
            float[] y = new float[n];
            float[] d = new float[n];
            StringBuilder report = new StringBuilder("float32 (" + path + ") max ULP:");
            for (Op op : Op.values()) {
                Provenance p = s.apply(op, op.operands(Operand.of(op == Op.BACKWARD_FROM_OUTPUT ? yIn : x), Operand.of(g),
                        Operand.of(y), Operand.of(d)));
                assertEquals("opencl", p.backend(), p.toString());
                assertFalse(p.fellBack());
                float[] a = op == Op.BACKWARD_FROM_OUTPUT ? yIn : x;
                float[] b = op.inputs() > 1 ? g : null;
                double e = UlpCheck.f32(op, 0, a, b, y, n, "float32/" + path);
                report.append(' ').append(op.label()).append('=').append(e);
                if (op == Op.FUSED) {
                    report.append(" fused-d=").append(UlpCheck.f32(op, 1, a, b, d, n, "float32/" + path));
                }
            }
            System.err.println(report);
        }
    }

    @ParameterizedTest
    @EnumSource(Op.class)
    void float64(Op op) {
        try (Sigmoid s = OpenClTesting.sigmoid()) {
            try (OpenClBackend probe = OpenClTesting.backend()) {
                if (!probe.supports(op, DType.F64)) {
                    System.err.println("SKIPPED float64: device has no fp64; the facade runs float64 on the CPU");
                    return;
                }
            }
            double[] x = op == Op.BACKWARD_FROM_OUTPUT ? TestData.yF64(N, 5) : TestData.inputsF64(N, 4);
            int n = x.length;
            double[] g = TestData.gradF64(n, 6);
            double[] y = new double[n];
            double[] d = new double[n];
            Provenance p = s.apply(op, op.operands(Operand.of(x), Operand.of(g), Operand.of(y), Operand.of(d)));
            assertEquals("opencl", p.backend(), p.toString());
            double e = UlpCheck.f64(op, 0, x, op.inputs() > 1 ? g : null, y, n, "float64");
            String extra = "";
            if (op == Op.FUSED) {
                extra = " d=" + UlpCheck.f64(op, 1, x, null, d, n, "float64");
            }
            System.err.println("float64 " + op.label() + " max ULP " + e + extra);
            assertTrue(e <= 1.0 || op.inputs() > 1);
        }
    }
}
