package org.sigbatch.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Where the reference once went wrong: subnormal rounding, products that under- or overflow. */
class ReferenceEdgeTest {
    @Test
    void subnormalExpIsRoundedOnce() {
        for (double a = -745.0; a < -708.5; a += 0.731) {
            DoubleDouble r = Reference.expNonPositive(a);
            double exact = ReferenceTest.Exact.exp(a).doubleValue(); // BigDecimal.doubleValue rounds correctly
            assertEquals(exact, r.hi(), "exp(" + a + ")");
        }
        assertEquals(ReferenceTest.Exact.exp(-709.8179159746635).doubleValue(), Reference.expNonPositive(-709.8179159746635).hi());
    }

    @Test
    void backwardDoesNotUnderflowDerivativeBeforeTheProduct() {
        double got = Reference.backwardDD(-1000, Math.scalb(1.0, 1000)).value();
        double want = Math.exp(1000 * Math.log(2) - 1000); // 2^1000·e^-1000, ~1e-13 relative in double
        assertTrue(Math.abs(got - want) <= 1e-12 * want, got + " vs " + want);
        BigDecimal exact = ReferenceTest.Exact.derivative(507.97435447180305).multiply(new BigDecimal(Double.MAX_VALUE));
        assertEquals(exact.doubleValue(), Reference.backwardDD(507.97435447180305, Double.MAX_VALUE).value());
    }

    @Test
    void overflowingProductsGiveInfinityNotNaN() {
        assertEquals(Double.POSITIVE_INFINITY, Reference.backwardDD(-800, Double.POSITIVE_INFINITY).value());
        assertEquals(Double.NEGATIVE_INFINITY, Reference.backwardFromOutputDD(1e200, 1).value());
        assertEquals(Double.NEGATIVE_INFINITY, Reference.backwardFromOutputDD(2, Double.MAX_VALUE).value());
        assertTrue(Double.isNaN(Reference.backwardDD(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY).value()), "0·Inf");
    }
}
