package org.sigbatch.cpu;

import org.sigbatch.reference.Reference;

/**
 * float64 kernels built on the double-double reference: correctly rounded but for rare ties, and slow
 * (hundreds of ns per element). The fallback when no faster accurate float64 kernel is available.
 */
final class ReferenceF64Kernels implements F64Kernels {
    static final ReferenceF64Kernels INSTANCE = new ReferenceF64Kernels();

    @Override
    public String name() {
        return "dd-reference";
    }

    @Override
    public void sigmoid(double[] x, int xo, double[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = Reference.sigmoidDD(x[xo + i]).value();
        }
    }

    @Override
    public void derivative(double[] x, int xo, double[] d, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            d[dOff + i] = Reference.derivativeDD(x[xo + i]).value();
        }
    }

    @Override
    public void fused(double[] x, int xo, double[] y, int yo, double[] d, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            y[yo + i] = Reference.sigmoidDD(v).value();
            d[dOff + i] = Reference.derivativeDD(v).value();
        }
    }

    @Override
    public void backward(double[] x, int xo, double[] g, int go, double[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = Reference.backwardDD(x[xo + i], g[go + i]).value();
        }
    }

    @Override
    public void backwardFromOutput(double[] y, int yo, double[] g, int go, double[] out, int oo, int n) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = Reference.backwardFromOutputDD(y[yo + i], g[go + i]).value();
        }
    }
}
