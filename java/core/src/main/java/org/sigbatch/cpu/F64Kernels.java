package org.sigbatch.cpu;

/** Element-wise float64 kernels over array windows; in-place safe like {@link F32Kernels}. */
public interface F64Kernels {
    String name();

    void sigmoid(double[] x, int xo, double[] y, int yo, int n);

    void derivative(double[] x, int xo, double[] d, int dOff, int n);

    void fused(double[] x, int xo, double[] y, int yo, double[] d, int dOff, int n);

    void backward(double[] x, int xo, double[] g, int go, double[] out, int oo, int n);

    void backwardFromOutput(double[] y, int yo, double[] g, int go, double[] out, int oo, int n);
}
