package org.sigbatch.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Test helper: float32 and float64 kernels that forward to real ones and record every call: which op,
 * on which thread, the output array, every array offset and the length. Lets a test see how the CPU
 * backend cuts a batch (threads, warm-up blocks, staging) and not only that the values came out right.
 */
final class RecordingKernels implements F32Kernels, F64Kernels {
    /** One kernel call: {@code offsets} in argument order (input, [gradient], output, [second output]). */
    record Call(String op, String thread, Object out, int[] offsets, int n) {
    }

    private final String name;
    private final F32Kernels f32;
    private final F64Kernels f64;
    private final List<Call> calls = new ArrayList<>();
    /** Runs after each recorded call (e.g. to mark a warm-up done, or to throw). */
    volatile Consumer<Call> after = c -> { };

    RecordingKernels(String name, F32Kernels f32, F64Kernels f64) {
        this.name = name;
        this.f32 = f32;
        this.f64 = f64;
    }

    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    private void record(String op, Object out, int n, int... offsets) {
        Call c = new Call(op, Thread.currentThread().getName(), out, offsets, n);
        synchronized (calls) {
            calls.add(c);
        }
        after.accept(c);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        f32.sigmoid(x, xo, y, yo, n);
        record("sigmoid", y, n, xo, yo);
    }

    @Override
    public void derivative(float[] x, int xo, float[] d, int dOff, int n) {
        f32.derivative(x, xo, d, dOff, n);
        record("derivative", d, n, xo, dOff);
    }

    @Override
    public void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) {
        f32.fused(x, xo, y, yo, d, dOff, n);
        record("fused", y, n, xo, yo, dOff);
    }

    @Override
    public void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        f32.backward(x, xo, g, go, out, oo, n);
        record("backward", out, n, xo, go, oo);
    }

    @Override
    public void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        f32.backwardFromOutput(y, yo, g, go, out, oo, n);
        record("backwardFromOutput", out, n, yo, go, oo);
    }

    @Override
    public void sigmoid(double[] x, int xo, double[] y, int yo, int n) {
        f64.sigmoid(x, xo, y, yo, n);
        record("sigmoid", y, n, xo, yo);
    }

    @Override
    public void derivative(double[] x, int xo, double[] d, int dOff, int n) {
        f64.derivative(x, xo, d, dOff, n);
        record("derivative", d, n, xo, dOff);
    }

    @Override
    public void fused(double[] x, int xo, double[] y, int yo, double[] d, int dOff, int n) {
        f64.fused(x, xo, y, yo, d, dOff, n);
        record("fused", y, n, xo, yo, dOff);
    }

    @Override
    public void backward(double[] x, int xo, double[] g, int go, double[] out, int oo, int n) {
        f64.backward(x, xo, g, go, out, oo, n);
        record("backward", out, n, xo, go, oo);
    }

    @Override
    public void backwardFromOutput(double[] y, int yo, double[] g, int go, double[] out, int oo, int n) {
        f64.backwardFromOutput(y, yo, g, go, out, oo, n);
        record("backwardFromOutput", out, n, yo, go, oo);
    }
}
