package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/**
 * AccurateF64Kernels' constants are literals (deriving them at class initialisation cost every start
 * 70-150 ms); this derives them again in 60-digit arithmetic, as the class once did, and compares every bit.
 */
class AccurateF64TablesTest {
    private static final MathContext MC = new MathContext(60);

    /** ln 2 = sum over k of 1/(k 2^k). */
    private static BigDecimal ln2() {
        BigDecimal two = BigDecimal.valueOf(2);
        BigDecimal ln2 = BigDecimal.ZERO;
        BigDecimal pow = BigDecimal.ONE;
        for (int k = 1; k < 220; k++) {
            pow = pow.multiply(two);
            ln2 = ln2.add(BigDecimal.ONE.divide(pow.multiply(BigDecimal.valueOf(k)), MC), MC);
        }
        return ln2;
    }

    private static void assertBits(double want, double got, String what) {
        assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got),
                what + ": want " + Double.toHexString(want) + ", have " + Double.toHexString(got));
    }

    @Test
    void ln2Over64IsSplitInTwoDoubles() {
        BigDecimal ln2 = ln2();
        assertEquals(0, ln2.round(new MathContext(30)).compareTo(new BigDecimal("0.693147180559945309417232121458")), "the series");
        BigDecimal l = ln2.divide(BigDecimal.valueOf(64), MC);
        double lh = l.doubleValue();
        assertBits(lh, AccurateF64Kernels.LH, "LH");
        assertBits(l.subtract(new BigDecimal(lh)).doubleValue(), AccurateF64Kernels.LL, "LL");
        assertBits(BigDecimal.valueOf(64).divide(ln2, MC).doubleValue(), AccurateF64Kernels.INV_L, "INV_L");
    }

    @Test
    void tableHoldsTwoToTheJOver64AsHiPlusLo() {
        BigDecimal root = BigDecimal.valueOf(2); // 2^(1/64) by six square roots
        for (int i = 0; i < 6; i++) {
            root = root.sqrt(MC);
        }
        assertEquals(128, AccurateF64Kernels.T.length);
        BigDecimal p = BigDecimal.ONE;
        for (int j = 0; j < 64; j++) {
            double hi = p.doubleValue();
            assertBits(hi, AccurateF64Kernels.T[2 * j], "T[" + 2 * j + "]");
            assertBits(p.subtract(new BigDecimal(hi)).doubleValue(), AccurateF64Kernels.T[2 * j + 1], "T[" + (2 * j + 1) + "]");
            p = p.multiply(root, MC);
        }
    }
}
