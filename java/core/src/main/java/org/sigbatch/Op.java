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

    /** Name of input {@code i} in messages: {@code x}, or {@code y} for BACKWARD_FROM_OUTPUT; then {@code gradOut}. */
    public String inputName(int i) {
        if (i == 1) {
            return "gradOut";
        }
        return this == BACKWARD_FROM_OUTPUT ? "y" : "x";
    }

    /** Name of output {@code i}: {@code y}, {@code d} or {@code gradIn}. */
    public String outputName(int i) {
        return switch (this) {
            case SIGMOID -> "y";
            case DERIVATIVE -> "d";
            case FUSED -> i == 0 ? "y" : "d";
            case BACKWARD, BACKWARD_FROM_OUTPUT -> "gradIn";
        };
    }

    /**
     * The operands this op takes, in {@link Sigmoid#apply(Op, Operand...)} order, out of the widest
     * set: the first input (x, or y for BACKWARD_FROM_OUTPUT), gradOut, the first output and the
     * second output. Those it does not take are ignored and may be null. So code that handles every
     * op needs no switch: {@code s.apply(op, op.operands(x, g, y, d))}.
     */
    public Operand[] operands(Operand x, Operand gradOut, Operand out0, Operand out1) {
        return switch (this) {
            case SIGMOID, DERIVATIVE -> new Operand[] {x, out0};
            case FUSED -> new Operand[] {x, out0, out1};
            case BACKWARD, BACKWARD_FROM_OUTPUT -> new Operand[] {x, gradOut, out0};
        };
    }

    /** Name of operand {@code i} of {@link Sigmoid#apply(Op, Operand...)}: the inputs, then the outputs. */
    public String operandName(int i) {
        return i < inputs ? inputName(i) : outputName(i - inputs);
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
