package org.sigbatch.spi;

import java.util.List;
import org.sigbatch.DType;
import org.sigbatch.Operand;
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

    /** Inputs, then outputs. */
    public List<Operand> operands() {
        List<Operand> all = new java.util.ArrayList<>(inputs.size() + outputs.size());
        all.addAll(inputs);
        all.addAll(outputs);
        return all;
    }

    /**
     * The id of the backend whose device arrays this batch works on, or {@code null} for host memory.
     * A call takes either only device arrays of one backend or only host memory; anything else is
     * rejected here, once for the facade and every backend.
     */
    public String deviceBackend() {
        String owner = null;
        int device = 0;
        for (Operand o : inputs) {
            owner = deviceOwner(o, owner);
            device += o instanceof Operand.Device ? 1 : 0;
        }
        for (Operand o : outputs) {
            owner = deviceOwner(o, owner);
            device += o instanceof Operand.Device ? 1 : 0;
        }
        if (device != 0 && device != inputs.size() + outputs.size()) {
            throw new IllegalArgumentException("a call on device arrays takes only device arrays; download or upload the others first");
        }
        return owner;
    }

    private static String deviceOwner(Operand o, String owner) {
        if (o instanceof Operand.Device d) {
            String b = d.array().backend();
            if (owner != null && !owner.equals(b)) {
                throw new IllegalArgumentException("device arrays of different backends (" + owner + ", " + b + ") in one call");
            }
            return b;
        }
        return owner;
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
