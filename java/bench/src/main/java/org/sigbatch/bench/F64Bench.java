package org.sigbatch.bench;

import java.util.SplittableRandom;
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
import org.sigbatch.cpu.AccurateF64Kernels;
import org.sigbatch.cpu.F64Kernels;
import org.sigbatch.cpu.Kernels;

/**
 * float64 σ (and σ+σ') on one thread: the naive {@code 1/(1+Math.exp(-x))} loop (≈2.5 ULP) against the
 * accurate kernels (≤ ~0.5 ULP): scalar table-driven ({@code accurate*}), Vector API ({@code simd*}), and the
 * double-double reference kernels.
 * Score: µs per call over {@code size} elements; Melem/s = size / score.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar java/bench/target/benchmarks.jar F64Bench
 * -f 1 -wi 3 -i 5 -w 1s -r 1s}. The reference kernels at 4M take ~1 s per call: give them -r 3s or
 * exclude them with {@code -e reference}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class F64Bench {
    /** Elements per call. */
    @Param({"4096", "262144", "4194304"})
    public int size;

    /** Input distribution: "mixed" = normal(0, 8) (typical activations), "wide" = uniform over [−750, 750]. */
    @Param({"mixed"})
    public String dist;

    private double[] x;
    private double[] y;
    private double[] d;
    private final F64Kernels accurate = AccurateF64Kernels.INSTANCE;
    /** The Vector API kernels (same algorithm and accuracy, full double width). */
    private F64Kernels simd;
    private F64Kernels reference;

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom rnd = new SplittableRandom(1);
        x = new double[size];
        y = new double[size];
        d = new double[size];
        for (int i = 0; i < size; i++) {
            x[i] = "wide".equals(dist) ? -750 + 1500 * rnd.nextDouble() : 8 * gaussian(rnd);
        }
        simd = Kernels.f64Candidates().get(0).kernels();
        if (simd == null) {
            throw new IllegalStateException("SIMD float64 kernels absent: " + Kernels.f64Candidates().get(0).absentReason());
        }
        // the dd-reference kernels are package-private; Kernels hands out the accurate ones now, so build
        // the reference through reflection to keep it in the comparison
        try {
            var c = Class.forName("org.sigbatch.cpu.ReferenceF64Kernels");
            var f = c.getDeclaredField("INSTANCE");
            f.setAccessible(true);
            reference = (F64Kernels) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            reference = Kernels.bestF64();
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    /** Reads the outputs so that no computation is dead, and checks they are sane. */
    @TearDown(Level.Trial)
    public void tearDown() {
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += y[i] + d[i];
        }
        if (!(sum >= 0)) {
            throw new IllegalStateException("bad outputs: sum " + sum);
        }
    }

    @Benchmark
    public void naiveSigmoid() {
        double[] xs = x;
        double[] ys = y;
        for (int i = 0; i < xs.length; i++) {
            ys[i] = 1.0 / (1.0 + Math.exp(-xs[i]));
        }
    }

    @Benchmark
    public void accurateSigmoid() {
        accurate.sigmoid(x, 0, y, 0, size);
    }

    @Benchmark
    public void accurateDerivative() {
        accurate.derivative(x, 0, d, 0, size);
    }

    @Benchmark
    public void accurateFused() {
        accurate.fused(x, 0, y, 0, d, 0, size);
    }

    @Benchmark
    public void simdSigmoid() {
        simd.sigmoid(x, 0, y, 0, size);
    }

    @Benchmark
    public void simdDerivative() {
        simd.derivative(x, 0, d, 0, size);
    }

    @Benchmark
    public void simdFused() {
        simd.fused(x, 0, y, 0, d, 0, size);
    }

    @Benchmark
    public void naiveFused() {
        double[] xs = x;
        double[] ys = y;
        double[] ds = d;
        for (int i = 0; i < xs.length; i++) {
            double e = Math.exp(-Math.abs(xs[i]));
            double s = 1.0 + e;
            ys[i] = xs[i] >= 0 ? 1.0 / s : e / s;
            ds[i] = e / (s * s);
        }
    }

    @Benchmark
    public void referenceSigmoid() {
        reference.sigmoid(x, 0, y, 0, size);
    }
}
