package org.sigbatch.cpu;

import org.sigbatch.reference.HalfFormat;

/**
 * Rounds float64 results to a 16-bit format once ({@link HalfFormat#round}) and reports the lanes
 * that are not safe to round directly ({@link HalfFormat#nearTie}: within 2^-45 of halfway, or NaN),
 * which the caller recomputes from the double-double reference.
 */
public interface HalfRounding {
    String name();

    /**
     * Rounds {@code r[0, n)} into {@code out[0, n)}; writes the indices of the unsafe lanes, ascending,
     * into {@code flagged} and returns how many there are.
     */
    int round(HalfFormat f, double[] r, int n, short[] out, int[] flagged);

    /** The portable version: {@link HalfFormat} element by element. */
    HalfRounding SCALAR = new HalfRounding() {
        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public int round(HalfFormat f, double[] r, int n, short[] out, int[] flagged) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                out[i] = f.round(r[i]);
                if (f.nearTie(r[i])) {
                    flagged[k++] = i;
                }
            }
            return k;
        }
    };
}
