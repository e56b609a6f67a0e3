package org.sigbatch.cpu.simd;

/**
 * The SIMD kernels' split of a window: their unmasked loop over whole vectors, then the last
 * {@code n % lanes} elements through the same loop on zero-padded copies. Masked loads and stores
 * halve the speed of the main loop on AVX-512 (measured), and this keeps every element's arithmetic
 * identical wherever it sits. The loop is called once per window, so the interface call costs nothing.
 */
final class PaddedTail {
    private PaddedTail() {
    }

    /** A kernel loop over {@code n} elements, n a multiple of its lane count; {@code g} and {@code o1} may be null. */
    interface F32Loop {
        void run(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n);
    }

    interface F64Loop {
        void run(int mode, double[] x, int xo, double[] g, int go, double[] o0, int o0o, double[] o1, int o1o, int n);
    }

    static void run(F32Loop loop, int lanes, int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        int main = n - n % lanes;
        loop.run(mode, x, xo, g, go, o0, o0o, o1, o1o, main);
        int rem = n - main;
        if (rem == 0) {
            return;
        }
        float[] tx = new float[lanes];
        float[] tg = g == null ? null : new float[lanes];
        float[] t0 = new float[lanes];
        float[] t1 = o1 == null ? null : new float[lanes];
        System.arraycopy(x, xo + main, tx, 0, rem);
        if (g != null) {
            System.arraycopy(g, go + main, tg, 0, rem);
        }
        loop.run(mode, tx, 0, tg, 0, t0, 0, t1, 0, lanes);
        System.arraycopy(t0, 0, o0, o0o + main, rem);
        if (o1 != null) {
            System.arraycopy(t1, 0, o1, o1o + main, rem);
        }
    }

    static void run(F64Loop loop, int lanes, int mode, double[] x, int xo, double[] g, int go, double[] o0, int o0o, double[] o1, int o1o, int n) {
        int main = n - n % lanes;
        loop.run(mode, x, xo, g, go, o0, o0o, o1, o1o, main);
        int rem = n - main;
        if (rem == 0) {
            return;
        }
        double[] tx = new double[lanes];
        double[] tg = g == null ? null : new double[lanes];
        double[] t0 = new double[lanes];
        double[] t1 = o1 == null ? null : new double[lanes];
        System.arraycopy(x, xo + main, tx, 0, rem);
        if (g != null) {
            System.arraycopy(g, go + main, tg, 0, rem);
        }
        loop.run(mode, tx, 0, tg, 0, t0, 0, t1, 0, lanes);
        System.arraycopy(t0, 0, o0, o0o + main, rem);
        if (o1 != null) {
            System.arraycopy(t1, 0, o1, o1o + main, rem);
        }
    }
}
