package org.sigbatch.cpu;

/** Test helper: forwards to another kernel and reports each call's output window. */
abstract class DelegatingF32 implements F32Kernels {
    private final F32Kernels inner;

    DelegatingF32(F32Kernels inner) {
        this.inner = inner;
    }

    abstract void called(int offset, int n);

    @Override
    public String name() {
        return "recording-" + inner.name();
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        inner.sigmoid(x, xo, y, yo, n);
        called(yo, n);
    }

    @Override
    public void derivative(float[] x, int xo, float[] d, int dOff, int n) {
        inner.derivative(x, xo, d, dOff, n);
        called(dOff, n);
    }

    @Override
    public void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) {
        inner.fused(x, xo, y, yo, d, dOff, n);
        called(yo, n);
    }

    @Override
    public void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        inner.backward(x, xo, g, go, out, oo, n);
        called(oo, n);
    }

    @Override
    public void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        inner.backwardFromOutput(y, yo, g, go, out, oo, n);
        called(oo, n);
    }
}
