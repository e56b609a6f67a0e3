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
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * The CUDA backend: kernel only (device-resident arrays; a launch plus a synchronisation per call)
 * and end to end from float[] (pinned staging, H2D, kernel, D2H overlapped in chunks), float32,
 * 1M to 1G elements. Elements per second = size / time. Without CUDA every benchmark fails at setup
 * with "CUDA unavailable, CudaBench skipped: <reason>" and JMH goes on with the others.
 *
 * <pre>java -jar benchmarks.jar CudaBench -p size=16777216</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx20g", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CudaBench {
    @Param({"1048576", "16777216", "268435456", "1073741824"})
    public int size;

    /** sigmoid (one output) or fused (σ and σ', two outputs). */
    @Param({"sigmoid", "fused"})
    public String op;

    private Sigmoid cuda;
    private float[] x;
    private float[] y;
    private float[] d;
    private DeviceArray dx;
    private DeviceArray dy;
    private DeviceArray dd;
    private long transferNanos;
    private long kernelNanos;
    private long calls;

    @Setup(Level.Trial)
    public void setUp() {
        try {
            cuda = Sigmoid.builder().backend(BackendKind.CUDA).build();
        } catch (BackendUnavailableException e) {
            System.err.println("CUDA unavailable, CudaBench skipped: " + e.getMessage());
            throw new IllegalStateException("CUDA unavailable, CudaBench skipped: " + e.getMessage(), e);
        }
        x = new float[size];
        y = new float[size];
        d = new float[size];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextDouble() * 40 - 20);
        }
        dx = cuda.upload(x);
        dy = cuda.allocate(DType.F32, size);
        dd = cuda.allocate(DType.F32, size);
        System.err.println("CudaBench on " + cuda.deviceName("cuda"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (calls > 0) {
            System.err.printf("CudaBench %s size=%d: per call transfer %.3f ms, kernel %.3f ms (CUDA events)%n", op, size,
                    transferNanos / 1e6 / calls, kernelNanos / 1e6 / calls);
        }
        if (dx != null) {
            dx.close();
            dy.close();
            dd.close();
        }
        if (cuda != null) {
            cuda.close();
        }
    }

    private Provenance book(Provenance p) {
        if (!"cuda".equals(p.backend())) {
            throw new IllegalStateException("ran on " + p.backend() + ", not cuda: " + p.fallbackReason());
        }
        if (p.transferNanos() > 0) {
            transferNanos += p.transferNanos();
        }
        if (p.kernelNanos() > 0) {
            kernelNanos += p.kernelNanos();
        }
        calls++;
        return p;
    }

    /** Device-resident data: what the kernel does at the device's memory bandwidth. */
    @Benchmark
    public Provenance kernelOnly() {
        return book(op.equals("fused") ? cuda.fused(dx, dy, dd) : cuda.sigmoid(dx, dy));
    }

    /** From and to float[]: bounded by PCIe and the host copies into pinned memory. */
    @Benchmark
    public Provenance endToEnd() {
        return book(op.equals("fused") ? cuda.fused(x, y, d) : cuda.sigmoid(x, y));
    }
}
