package org.sigbatch.cpu;

/**
 * Element-wise float32 kernels over array windows. Implementations read element i before writing
 * element i, so an output window may be the same as an input window (in-place).
 */
public interface F32Kernels {
    /** Short name for provenance, e.g. {@code simd-512} or {@code scalar}. */
    String name();

    void sigmoid(float[] x, int xo, float[] y, int yo, int n);

    void derivative(float[] x, int xo, float[] d, int dOff, int n);

    void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n);

    void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n);

    void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n);
}
