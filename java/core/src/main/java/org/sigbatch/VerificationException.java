package org.sigbatch;

/** A backend's result disagreed with the CPU reference by more than the documented bound. */
public class VerificationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String backend;
    private final Op op;
    private final long index;
    private final double input;
    private final double expected;
    private final double actual;
    private final double ulps;

    public VerificationException(String backend, Op op, String output, long index, double input,
                                 double expected, double actual, double ulps, double bound) {
        super(String.format(java.util.Locale.ROOT,
                "%s result of %s (%s) at index %d disagrees with the CPU reference: input %s, reference %s, got %s (%.3g ULP, bound %.3g)",
                backend, op.label(), output, index, repr(input), repr(expected), repr(actual), ulps, bound));
        this.backend = backend;
        this.op = op;
        this.index = index;
        this.input = input;
        this.expected = expected;
        this.actual = actual;
        this.ulps = ulps;
    }

    private static String repr(double v) {
        return Double.toString(v) + (Double.isFinite(v) && v != 0 ? " (" + Double.toHexString(v) + ")" : "");
    }

    public String backend() { return backend; }
    public Op op() { return op; }
    public long index() { return index; }
    public double input() { return input; }
    public double expected() { return expected; }
    public double actual() { return actual; }
    public double ulps() { return ulps; }
}
