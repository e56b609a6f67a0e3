package org.sigbatch;

/**
 * The operations sigbatch evaluates, each element-wise. Inputs and outputs are listed in the order
 * a {@link org.sigbatch.spi.Batch} holds them.
 */
public enum Op {
    /** y = σ(x). Inputs: x. Outputs: y. */
    SIGMOID(1, 1),
    /** d = σ'(x), computed from x in a stable form. Inputs: x. Outputs: d. */
    DERIVATIVE(1, 1),
    /** y = σ(x) and d = σ'(x) in one pass over x. Inputs: x. Outputs: y, d. */
    FUSED(1, 2),
    /** gradIn = gradOut·σ'(x). Inputs: x, gradOut. Outputs: gradIn. */
    BACKWARD(2, 1),
    /**
     * gradIn = gradOut·y·(1−y) for callers that kept only y = σ(x). Inputs: y, gradOut. Outputs: gradIn.
     * Accurate with respect to the y it is given, but y·(1−y) cannot recover σ'(x) once y has rounded
     * towards 1: for float32 y = 1 exactly when x ≥ 17.33, and the result is then 0. Use {@link #BACKWARD}
     * where x is still at hand.
     */
    BACKWARD_FROM_OUTPUT(2, 1);

    private final int inputs;
    private final int outputs;

    Op(int inputs, int outputs) {
        this.inputs = inputs;
        this.outputs = outputs;
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return outputs;
    }

    /** Lower-case name used on the command line and in reports, e.g. {@code backward-from-output}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Parses {@link #label()} or the enum name, case-insensitively. */
    public static Op parse(String s) {
        String n = s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown op '" + s + "' (expected one of sigmoid, derivative, fused, backward, backward-from-output)");
        }
    }
}
