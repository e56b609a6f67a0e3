package org.sigbatch.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
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
import org.sigbatch.Precision;
import org.sigbatch.Sigmoid;
import org.sigbatch.cpu.Kernels;

/**
 * float32 σ and fused σ+σ' per CPU kernel candidate, through the engine (what users get), against the
 * naive Java loop and a copy split over the same threads. Run beside the C yardstick by
 * {@code make bench-vs-c} (scripts/bench-vs-c.sh, BENCHMARKS.md). Scores: ms per call over {@code size}.
 *
 * <p>The float-only ACCURATE benchmarks need {@code simd.VectorF32FloatOnlyKernels} in the build; where
 * it is absent they fail in setup and the driver leaves them out.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g", "-Xms3g"})
public class TierBench {
    @Param({"16777216", "67108864"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    float[] x;
    float[] y;
    float[] d;
    private Sigmoid f64inside;
    private Sigmoid floatonly;
    private Sigmoid fast;
    private ForkJoinPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        x = BenchInputs.uniform20(size);
        y = new float[size];
        d = new float[size];
        f64inside = engine(Precision.ACCURATE, "f64inside");
        fast = engine(Precision.FAST, "auto");
        floatonly = Kernels.f32Candidate("floatonly").present() ? engine(Precision.ACCURATE, "floatonly") : null;
        pool = threads > 1 ? new ForkJoinPool(threads) : null;
        String dev = fast.deviceName("cpu");
        if (!dev.contains("-fast")) {
            throw new IllegalStateException("FAST SIMD kernels not active: " + dev);
        }
    }

    private Sigmoid engine(Precision p, String kernel) {
        return Sigmoid.builder().backend(BackendKind.CPU).precision(p).option("cpu.threads", Integer.toString(threads))
                .option("cpu.f32kernel", kernel).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f64inside.close();
        fast.close();
        if (floatonly != null) {
            floatonly.close();
        }
        if (pool != null) {
            pool.shutdown();
        }
    }

    private Sigmoid floatonly() {
        if (floatonly == null) {
            throw new IllegalStateException("float-only kernels absent: " + Kernels.f32Candidate("floatonly").absentReason());
        }
        return floatonly;
    }

    @Benchmark
    public void accurateF64insideSigmoid() {
        f64inside.sigmoid(x, y);
    }

    @Benchmark
    public void accurateFloatonlySigmoid() {
        floatonly().sigmoid(x, y);
    }

    @Benchmark
    public void fastSigmoid() {
        fast.sigmoid(x, y);
    }

    @Benchmark
    public void accurateF64insideFused() {
        f64inside.fused(x, y, d);
    }

    @Benchmark
    public void accurateFloatonlyFused() {
        floatonly().fused(x, y, d);
    }

    @Benchmark
    public void fastFused() {
        fast.fused(x, y, d);
    }

    /** {@code 1/(1+Math.exp(-x))}: the loop users write by hand. */
    @Benchmark
    public void naiveSigmoid() {
        split((from, to) -> {
            float[] in = x;
            float[] out = y;
            for (int i = from; i < to; i++) {
                out[i] = (float) (1.0 / (1.0 + Math.exp(-in[i])));
            }
        });
    }

    /** The same, and the cheap derivative y·(1−y), as in the C yardstick's fused loop. */
    @Benchmark
    public void naiveFused() {
        split((from, to) -> {
            float[] in = x;
            float[] out = y;
            float[] der = d;
            for (int i = from; i < to; i++) {
                float s = (float) (1.0 / (1.0 + Math.exp(-in[i])));
                out[i] = s;
                der[i] = s * (1 - s);
            }
        });
    }

    /** Memory yardstick: read one array, write another, on the same threads. */
    @Benchmark
    public void copy() {
        split((from, to) -> System.arraycopy(x, from, y, from, to - from));
    }

    private interface Range {
        void run(int from, int to);
    }

    private void split(Range r) {
        if (pool == null) {
            r.run(0, size);
            return;
        }
        int per = ((size / threads) + 63) & ~63;
        List<Future<?>> fs = new ArrayList<>();
        for (int from = 0; from < size; from += per) {
            int f = from;
            int t = Math.min(size, from + per);
            fs.add(pool.submit(() -> r.run(f, t)));
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException | ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
