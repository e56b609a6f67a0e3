package org.sigbatch.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sigbatch.BackendKind;
import org.sigbatch.Sigmoid;
import org.sigbatch.cpu.F32Kernels;
import org.sigbatch.cpu.Kernels;

/**
 * The CPU engine against the naive loop and a copy, float32. Scores are in microseconds per call;
 * elements/s = size / score. Outputs go to arrays held in the state, which JMH cannot prove dead.
 *
 * <p>Run: {@code make bench} or {@code java --add-modules jdk.incubator.vector -jar java/bench/target/benchmarks.jar CpuBench}.
 * The Vector API loop needs a few seconds of warm-up before C2 compiles it (docs/notes.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g", "-Xms3g"})
public class CpuBench {
    @Param({"4096", "262144", "4194304", "67108864"})
    public int size;

    float[] x;
    float[] y;
    float[] d;
    F32Kernels simd;
    F32Kernels fast;
    F32Kernels scalar;
    Sigmoid engine1;
    Sigmoid engine2;

    @Setup(Level.Trial)
    public void setUp() {
        x = BenchInputs.uniform20(size);
        y = new float[size];
        d = new float[size];
        simd = Kernels.bestF32();
        fast = Kernels.f32Candidate(Kernels.FAST).kernels();
        scalar = Kernels.scalarF32();
        engine1 = Sigmoid.builder().backend(BackendKind.CPU).option("cpu.threads", "1").build();
        engine2 = Sigmoid.builder().backend(BackendKind.CPU).option("cpu.threads", "2").build();
        if (!simd.name().startsWith("simd")) {
            throw new IllegalStateException("SIMD kernels not active: " + Kernels.simdUnavailableReason());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine1.close();
        engine2.close();
    }

    /** {@code 1/(1+Math.exp(-x))} in a plain loop: the baseline users write by hand. */
    @Benchmark
    public void naiveLoop() {
        float[] in = x;
        float[] out = y;
        for (int i = 0; i < in.length; i++) {
            out[i] = (float) (1.0 / (1.0 + Math.exp(-in[i])));
        }
    }

    /**
     * The SIMD kernel's arithmetic written as plain scalar Java (branch-free: polynomial exp in double,
     * 2^k from the exponent bits, select by multiplication). Measures whether C2 auto-vectorizes it.
     */
    @Benchmark
    public void plainJavaPolynomial() {
        float[] in = x;
        float[] out = y;
        for (int i = 0; i < in.length; i++) {
            double v = in[i];
            double a = -Math.abs(v);
            a = a < -120.0 ? -120.0 : a;
            double t = a * 1.4426950408889634 + 6755399441055744.0;
            double k = t - 6755399441055744.0;
            double r = Math.fma(k, -0.6931471805599453, a);
            r = Math.fma(k, -2.3190468138462996e-17, r);
            double p = 1.0 / 362880;
            p = p * r + 1.0 / 40320;
            p = p * r + 1.0 / 5040;
            p = p * r + 1.0 / 720;
            p = p * r + 1.0 / 120;
            p = p * r + 1.0 / 24;
            p = p * r + 1.0 / 6;
            p = p * r + 0.5;
            p = p * r + 1.0;
            p = p * r + 1.0;
            double e = p * Double.longBitsToDouble((Double.doubleToRawLongBits(t) + 1023L) << 52);
            double inv = 1.0 / (1.0 + e);
            double pos = v >= 0 ? 1.0 : 0.0;
            out[i] = (float) (inv * (pos + (1.0 - pos) * e));
        }
    }

    /** Memory yardstick: read one array, write another. */
    @Benchmark
    public void arraycopy() {
        System.arraycopy(x, 0, y, 0, size);
    }

    @Benchmark
    public void scalarKernelSigmoid() {
        scalar.sigmoid(x, 0, y, 0, size);
    }

    @Benchmark
    public void simdKernelSigmoid() {
        simd.sigmoid(x, 0, y, 0, size);
    }

    @Benchmark
    public void simdKernelFused() {
        simd.fused(x, 0, y, 0, d, 0, size);
    }

    /** The FAST tier's kernel (float only, full float width), called directly on one thread. */
    @Benchmark
    public void fastKernelSigmoid() {
        fast.sigmoid(x, 0, y, 0, size);
    }

    @Benchmark
    public void fastKernelFused() {
        fast.fused(x, 0, y, 0, d, 0, size);
    }

    /** The facade with one thread: validation and dispatch overhead over the kernel. */
    @Benchmark
    public void engine1ThreadSigmoid() {
        engine1.sigmoid(x, y);
    }

    @Benchmark
    public void engine2ThreadsSigmoid() {
        engine2.sigmoid(x, y);
    }

    @Benchmark
    public void engine2ThreadsFused() {
        engine2.fused(x, y, d);
    }
}
