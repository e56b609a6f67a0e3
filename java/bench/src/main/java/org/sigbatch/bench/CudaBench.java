package org.sigbatch.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * The CUDA backend and its ceilings, float32, in one class so every GPU figure has its ceiling from
 * the same run (scripts/cuda-bench-table.py turns the JSON into ratios):
 * <ul>
 * <li>{@code kernelOnly}: device-resident arrays, one launch and a synchronisation per call; ceiling
 * {@code ceilingDeviceCopy} (a device-to-device copy of the same elements: σ moves the same bytes);
 * <li>{@code endToEnd} from and to float[] and {@code endToEndDirect} from and to direct FloatBuffers
 * (pinned staging, H2D, kernel, D2H overlapped in chunks); ceilings {@code ceilingH2DPinned},
 * {@code ceilingD2HPinned} and {@code ceilingBothWaysPinned} (the copy engines alone, from pinned memory).
 * </ul>
 * Each benchmark allocates only what it uses (kernelOnly keeps no host arrays). The CUDA-event
 * timings printed at the end count measurement iterations only. Without CUDA every benchmark fails
 * at setup with "CUDA unavailable, CudaBench skipped: reason" (run JMH with -foe true to stop there).
 * endToEndDirect needs size ≤ 2^29 (a direct buffer holds at most 2 GiB).
 *
 * <pre>java -jar benchmarks.jar CudaBench -foe true -p size=16777216</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx20g", "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CudaBench {
    /** Elements per call. */
    @State(Scope.Benchmark)
    public static class Size {
        @Param({"1048576", "16777216", "268435456"})
        public int size;
    }

    /** sigmoid (one output) or fused (σ and σ', two outputs). */
    @State(Scope.Benchmark)
    public static class Kernel {
        @Param({"sigmoid", "fused"})
        public String op;

        boolean fused() {
            return op.equals("fused");
        }
    }

    /** The CUDA backend, and its event timings booked over measurement iterations only. */
    @State(Scope.Benchmark)
    public static class Gpu {
        Sigmoid cuda;
        private boolean measuring;
        private long transferNanos;
        private long kernelNanos;
        private long calls;

        @Setup(Level.Trial)
        public void open() {
            cuda = openCuda(options());
            System.err.println("CudaBench on " + cuda.deviceName("cuda"));
        }

        /** Backend options of this state. */
        java.util.Map<String, String> options() {
            return java.util.Map.of();
        }

        @Setup(Level.Iteration)
        public void iteration(IterationParams it) {
            measuring = it.getType() == IterationType.MEASUREMENT;
        }

        Provenance book(Provenance p) {
            if (!"cuda".equals(p.backend())) {
                throw new IllegalStateException("ran on " + p.backend() + ", not cuda: " + p.fallbackReason());
            }
            if (measuring) {
                transferNanos += Math.max(0, p.transferNanos());
                kernelNanos += Math.max(0, p.kernelNanos());
                calls++;
            }
            return p;
        }

        @TearDown(Level.Trial)
        public void close(BenchmarkParams bp) {
            if (calls > 0) {
                String name = bp.getBenchmark().substring(bp.getBenchmark().lastIndexOf('.') + 1);
                System.err.printf("CudaBench %s op=%s size=%s: %d measured calls; per call transfer %.3f ms, kernel %.3f ms"
                        + " (CUDA events: busy time, the union of the intervals over all streams)%n", name, bp.getParam("op"), bp.getParam("size"), calls,
                        transferNanos / 1e6 / calls, kernelNanos / 1e6 / calls);
            }
            if (cuda != null) {
                cuda.close();
            }
        }
    }

    /** The CUDA backend with direct buffers staged like heap arrays, never registered for DMA. */
    @State(Scope.Benchmark)
    public static class GpuStaged extends Gpu {
        @Override
        java.util.Map<String, String> options() {
            return java.util.Map.of("cuda.registerMinBytes", "-1");
        }
    }

    static Sigmoid openCuda() {
        return openCuda(java.util.Map.of());
    }

    static Sigmoid openCuda(java.util.Map<String, String> options) {
        try {
            Sigmoid.Builder b = Sigmoid.builder().backend(BackendKind.CUDA);
            options.forEach(b::option);
            return b.build();
        } catch (BackendUnavailableException e) {
            System.err.println("CUDA unavailable, CudaBench skipped: " + e.getMessage());
            throw new IllegalStateException("CUDA unavailable, CudaBench skipped: " + e.getMessage(), e);
        }
    }

    /** Inputs uploaded once and outputs on the device; no host arrays are kept. */
    @State(Scope.Benchmark)
    public static class OnDevice {
        DeviceArray x;
        DeviceArray y;
        DeviceArray d;

        @Setup(Level.Trial)
        public void setUp(Gpu g, Size s, Kernel k) {
            x = g.cuda.upload(BenchData.floats(s.size));
            y = g.cuda.allocate(DType.F32, s.size);
            d = k.fused() ? g.cuda.allocate(DType.F32, s.size) : null;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (DeviceArray a : new DeviceArray[] {x, y, d}) {
                if (a != null) {
                    a.close();
                }
            }
        }
    }

    /** float[] on the heap. */
    @State(Scope.Benchmark)
    public static class OnHeap {
        float[] x;
        float[] y;
        float[] d;

        @Setup(Level.Trial)
        public void setUp(Size s, Kernel k) {
            x = BenchData.floats(s.size);
            y = new float[s.size];
            d = k.fused() ? new float[s.size] : null;
        }
    }

    /** Direct (off-heap) FloatBuffers. */
    @State(Scope.Benchmark)
    public static class OffHeap {
        FloatBuffer x;
        FloatBuffer y;
        FloatBuffer d;

        @Setup(Level.Trial)
        public void setUp(Size s, Kernel k) {
            if ((long) s.size * Float.BYTES > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("endToEndDirect: a direct buffer holds at most 2 GiB, size " + s.size + " needs "
                        + ((long) s.size * Float.BYTES >> 20) + " MiB (exclude it with -e endToEndDirect)");
            }
            x = direct(s.size).put(BenchData.floats(s.size)).flip();
            y = direct(s.size);
            d = k.fused() ? direct(s.size) : null;
        }

        static FloatBuffer direct(int n) {
            return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
    }

    /** The copy ceilings, on the raw driver. */
    @State(Scope.Benchmark)
    public static class Ceilings {
        CudaCeilings c;

        @Setup(Level.Trial)
        public void setUp(Size s) {
            openCuda().close(); // the same clear reason as the other benchmarks where CUDA is unavailable
            c = new CudaCeilings((long) s.size * Float.BYTES);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (c != null) {
                c.close();
            }
        }
    }

    /** Device-resident data: the kernel at the device's memory bandwidth (plus one launch and a synchronisation). */
    @Benchmark
    public Provenance kernelOnly(Gpu g, Kernel k, OnDevice a) {
        return g.book(k.fused() ? g.cuda.fused(a.x, a.y, a.d) : g.cuda.sigmoid(a.x, a.y));
    }

    /** From and to float[]: bounded by PCIe and the host copies into pinned memory. */
    @Benchmark
    public Provenance endToEnd(Gpu g, Kernel k, OnHeap a) {
        return g.book(k.fused() ? g.cuda.fused(a.x, a.y, a.d) : g.cuda.sigmoid(a.x, a.y));
    }

    /** From and to direct buffers, registered for DMA for each call (cuMemHostRegister; no staging copy). */
    @Benchmark
    public Provenance endToEndDirect(Gpu g, Kernel k, OffHeap a) {
        return direct(g, k, a);
    }

    /** The same through the pinned staging buffers (multi-threaded copies): is registering per call worth it? */
    @Benchmark
    public Provenance endToEndDirectStaged(GpuStaged g, Kernel k, OffHeap a) {
        return direct(g, k, a);
    }

    private static Provenance direct(Gpu g, Kernel k, OffHeap a) {
        return g.book(k.fused() ? g.cuda.apply(Op.FUSED, Operand.of(a.x), Operand.of(a.y), Operand.of(a.d))
                : g.cuda.apply(Op.SIGMOID, Operand.of(a.x), Operand.of(a.y)));
    }

    /** size float32 elements copied on the device: 8 bytes per element through device memory, like σ. */
    @Benchmark
    public void ceilingDeviceCopy(Ceilings c) {
        c.c.deviceCopy();
    }

    /** size float32 elements from pinned host memory to the device. */
    @Benchmark
    public void ceilingH2DPinned(Ceilings c) {
        c.c.hostToDevice();
    }

    /** size float32 elements from the device to pinned host memory. */
    @Benchmark
    public void ceilingD2HPinned(Ceilings c) {
        c.c.deviceToHost();
    }

    /** size float32 elements each way at once: the ceiling of an overlapped σ call from host memory. */
    @Benchmark
    public void ceilingBothWaysPinned(Ceilings c) {
        c.c.bothWays();
    }
}
