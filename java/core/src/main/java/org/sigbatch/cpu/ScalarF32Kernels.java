package org.sigbatch.cpu;

/**
 * Portable float32 kernels: the stable forms evaluated in double and rounded once, which is within
 * 0.5 ULP (+2^-29) everywhere, subnormal results included. Used when the Vector API is absent.
 * About as fast as the naive {@code 1/(1+Math.exp(-x))} loop: C2 does not vectorize Math.exp.
 */
final class ScalarF32Kernels implements F32Kernels {
    static final ScalarF32Kernels INSTANCE = new ScalarF32Kernels();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double e = Math.exp(-Math.abs(v));
            // numerator 1 for x ≥ 0, e for x < 0, chosen without a branch (which mispredicts on mixed
            // signs): max(e, 1 − signbit) is exact, and Math.max keeps NaN
            double neg = Double.doubleToRawLongBits(v) >>> 63;
            y[yo + i] = (float) (Math.max(e, 1.0 - neg) / (1.0 + e));
        }
    }

    @Override
    public void derivative(float[] x, int xo, float[] d, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            double e = Math.exp(-Math.abs((double) x[xo + i]));
            double s = 1.0 + e;
            d[dOff + i] = (float) (e / (s * s));
        }
    }

    @Override
    public void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double e = Math.exp(-Math.abs(v));
            double r = 1.0 / (1.0 + e);
            y[yo + i] = (float) (v >= 0 ? r : e * r);
            d[dOff + i] = (float) (e * r * r);
        }
    }

    @Override
    public void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            double e = Math.exp(-Math.abs((double) x[xo + i]));
            double s = 1.0 + e;
            out[oo + i] = (float) (g[go + i] * (e / (s * s)));
        }
    }

    @Override
    public void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            double v = y[yo + i];
            out[oo + i] = (float) (g[go + i] * (v * (1.0 - v)));
        }
    }
}
