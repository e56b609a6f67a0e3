package org.sigbatch.testing;

import static org.junit.jupiter.api.Assertions.fail;

import org.sigbatch.Op;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.DoubleDouble;
import org.sigbatch.reference.Ulps;

/** ULP comparisons against the reference, failing with the first offending element and the worst error. */
public final class UlpCheck {
    private UlpCheck() {
    }

    /** Checks output {@code out} of op for float32 inputs (a, b) at [0, n); returns the max ULP error. */
    public static double f32(Op op, int out, float[] a, float[] b, float[] actual, int n, String what) {
        double bound = OpReference.bound(op, out);
        double max = 0;
        for (int i = 0; i < n; i++) {
            double ref = OpReference.f32(op, out, a[i], b == null ? 0f : b[i]);
            double err = Ulps.error(actual[i], ref);
            if (!(err <= bound)) {
                fail(what + ": " + op.label() + " output " + out + " at " + i + ": x=" + a[i] + (b == null ? "" : " g=" + b[i])
                        + " got " + actual[i] + " want " + ref + " (" + err + " ULP > " + bound + ")");
            }
            max = Math.max(max, err);
        }
        return max;
    }

    public static double f64(Op op, int out, double[] a, double[] b, double[] actual, int n, String what) {
        double bound = OpReference.bound(op, out);
        double max = 0;
        for (int i = 0; i < n; i++) {
            DoubleDouble ref = OpReference.f64(op, out, a[i], b == null ? 0 : b[i]);
            double err = Ulps.error(actual[i], ref);
            if (!(err <= bound)) {
                fail(what + ": " + op.label() + " output " + out + " at " + i + ": x=" + a[i] + (b == null ? "" : " g=" + b[i])
                        + " got " + actual[i] + " want " + ref.hi() + " + " + ref.lo() + " (" + err + " ULP > " + bound + ")");
            }
            max = Math.max(max, err);
        }
        return max;
    }
}
