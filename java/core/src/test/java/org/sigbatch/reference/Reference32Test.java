package org.sigbatch.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The float32 reference (double arithmetic) agrees with the double-double one to far below a float ULP. */
class Reference32Test {
    @Test
    void doubleReferenceIsWithinATinyFractionOfAFloatUlp() {
        SplittableRandom r = new SplittableRandom(5);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = i % 2 == 0 ? (float) (r.nextDouble() * 240 - 120) : Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(x)) {
                continue;
            }
            DoubleDouble s = Reference.sigmoidDD(x);
            DoubleDouble d = Reference.derivativeDD(x);
            worst = Math.max(worst, Math.abs(Reference.sigmoid(x) - s.hi() - s.lo()) / Ulps.floatUlp(s.hi()));
            worst = Math.max(worst, Math.abs(Reference.derivative(x) - d.hi() - d.lo()) / Ulps.floatUlp(d.hi()));
        }
        assertTrue(worst < 1e-6, "double reference is " + worst + " float ULP from the double-double one");
    }
}
