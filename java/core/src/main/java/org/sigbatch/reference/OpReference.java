package org.sigbatch.reference;

import org.sigbatch.Op;
import org.sigbatch.internal.Verifier;

/**
 * The reference value of each op's outputs and the accuracy bound every backend is held to, by
 * {@link Op}: what the facade's verification, the tests and the CLI's accuracy report compare with.
 */
public final class OpReference {
    private OpReference() {
    }

    /** The ULP bound of output {@code output} of {@code op} (the documented accuracy of every backend). */
    public static double bound(Op op, int output) {
        return Verifier.bound(op, output);
    }

    /** Reference value of output {@code output} of {@code op} for float32 inputs (a, b); b is gradOut or ignored. */
    public static double f32(Op op, int output, float a, float b) {
        return Verifier.reference32(op, output, a, b);
    }

    /** Reference value for float64 inputs, in double-double. */
    public static DoubleDouble f64(Op op, int output, double a, double b) {
        return Verifier.reference64(op, output, a, b);
    }

    /** ULP error of a float32 result against the reference. */
    public static double error32(Op op, int output, float a, float b, float actual) {
        return Ulps.error(actual, f32(op, output, a, b));
    }

    /** ULP error of a float64 result against the reference. */
    public static double error64(Op op, int output, double a, double b, double actual) {
        return Ulps.error(actual, f64(op, output, a, b));
    }

    /**
     * Reference value of output {@code output} of {@code op} for 16-bit inputs (raw bits a, b) of
     * {@code format}: the double-double reference of the exact inputs, rounded once to the format.
     */
    public static short half(Op op, int output, HalfFormat format, short a, short b) {
        double x = format.toDouble(a);
        double g = format.toDouble(b);
        boolean derivative = op == Op.DERIVATIVE || op == Op.BACKWARD || op == Op.FUSED && output == 1;
        if (derivative && Math.abs(x) < 0x1p-20 && (op != Op.BACKWARD || Double.isFinite(g) && g != 0)) {
            // σ'(x) = 1/4 - x²/16 + x⁴/96 - ...: the double-double evaluation cannot resolve a deviation of
            // x²/4 (relative) below ~2^-100, but g·σ' for bfloat16 x down to 2^-133 and g/4 exactly halfway
            // between two subnormals needs its sign: the series gives it exactly (x² is exact here)
            double x2 = x * x;
            double lo = -x2 * 0.0625 + x2 * x2 / 96;
            return op == Op.BACKWARD ? format.roundDD(new DoubleDouble(0.25 * g, lo * g)) : format.roundDD(new DoubleDouble(0.25, lo));
        }
        return format.roundDD(f64(op, output, x, g));
    }
}
