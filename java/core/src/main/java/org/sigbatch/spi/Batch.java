package org.sigbatch.spi;

import java.util.List;
import org.sigbatch.DType;
import org.sigbatch.Op;

/**
 * The operands of one call: {@code length} elements of each input and output, all of one dtype,
 * already validated by the facade (sizes, offsets, writability, no partial overlap).
 *
 * @param inputs  x (or y for BACKWARD_FROM_OUTPUT), then gradOut where the op has one
 * @param outputs y / d / gradIn, then d for FUSED
 */
public record Batch(DType dtype, int length, List<Operand> inputs, List<Operand> outputs) {
    public Batch {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Operand in(int i) {
        return inputs.get(i);
    }

    public Operand out(int i) {
        return outputs.get(i);
    }

    /** The same operands restricted to elements {@code [from, from+len)}. */
    public Batch slice(int from, int len) {
        return new Batch(dtype, len,
                inputs.stream().map(o -> o.slice(from, len)).toList(),
                outputs.stream().map(o -> o.slice(from, len)).toList());
    }

    /** Checks the operand counts match the op. */
    public void requireShape(Op op) {
        if (inputs.size() != op.inputs() || outputs.size() != op.outputs()) {
            throw new IllegalArgumentException(op + " takes " + op.inputs() + " inputs and " + op.outputs()
                    + " outputs, got " + inputs.size() + " and " + outputs.size());
        }
    }
}
