package org.sigbatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The small public enums: operand names per op (used in error messages), labels, parsing and its messages. */
class NamesAndParsingTest {
    @Test
    void eachOpNamesItsOperandsInApplyOrder() {
        assertEquals(List.of("x", "y"), names(Op.SIGMOID));
        assertEquals(List.of("x", "d"), names(Op.DERIVATIVE));
        assertEquals(List.of("x", "y", "d"), names(Op.FUSED));
        assertEquals(List.of("x", "gradOut", "gradIn"), names(Op.BACKWARD));
        assertEquals(List.of("y", "gradOut", "gradIn"), names(Op.BACKWARD_FROM_OUTPUT));
    }

    private static List<String> names(Op op) {
        return java.util.stream.IntStream.range(0, op.inputs() + op.outputs()).mapToObj(op::operandName).toList();
    }

    @Test
    void opsParseFromTheirLabelOrName() {
        for (Op op : Op.values()) {
            assertEquals(op, Op.parse(op.label()));
            assertEquals(op, Op.parse(" " + op.name().toLowerCase() + " "));
        }
        assertEquals("backward-from-output", Op.BACKWARD_FROM_OUTPUT.label());
        var e = assertThrows(IllegalArgumentException.class, () -> Op.parse("tanh"));
        assertEquals("unknown op 'tanh' (expected one of sigmoid, derivative, fused, backward, backward-from-output)", e.getMessage());
    }

    @Test
    void backendKindsAndPoliciesParseCaseBlind() {
        assertEquals(BackendKind.OPENCL, BackendKind.parse(" OpenCL "));
        assertEquals("cuda", BackendKind.CUDA.id());
        assertEquals("unknown backend 'tpu' (expected auto, cpu, opencl or cuda)",
                assertThrows(IllegalArgumentException.class, () -> BackendKind.parse("tpu")).getMessage());
        assertEquals(VerifyPolicy.SAMPLE, VerifyPolicy.parse(" Sample"));
        assertEquals("unknown verification policy 'some' (expected none, sample or full)",
                assertThrows(IllegalArgumentException.class, () -> VerifyPolicy.parse("some")).getMessage());
        assertEquals(Precision.FAST, Precision.parse(" FAST "));
        assertEquals("unknown precision 'null' (expected accurate or fast)",
                assertThrows(IllegalArgumentException.class, () -> Precision.parse(null)).getMessage());
    }

    @Test
    void dtypesKnowTheirWidth() {
        assertEquals(List.of(4, 8, 2, 2), List.of(DType.F32.bytes(), DType.F64.bytes(), DType.F16.bytes(), DType.BF16.bytes()));
        assertFalse(DType.F32.isHalf() || DType.F64.isHalf());
        assertTrue(DType.F16.isHalf() && DType.BF16.isHalf());
        assertEquals("bfloat16", DType.BF16.toString());
        assertEquals("float16", DType.F16.toString());
    }
}
