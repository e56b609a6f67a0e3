package org.sigbatch.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.stream.AbstractStagingEngine;
import org.sigbatch.spi.stream.ChunkPlan;
import org.sigbatch.spi.stream.Pipeline;

/**
 * The host side of streaming, without a GPU: a float32 sigmoid call of {@code size} elements from and
 * to {@code float[]} through the shared {@link Pipeline}, on an engine whose device steps do nothing,
 * so the time is the FILL and DRAIN copies between the heap and the (native) staging buffers, with
 * {@code threads} copy threads and chunks of {@code chunkMiB}. Ceiling: {@code memcpy}, the same bytes
 * (heap to native, then native to heap) moved by bulk {@code FloatBuffer} copies (the JDK's
 * memcpy, as {@code MemorySegment.copy}; the project compiles for Java 21, where FFM is a preview) on
 * the same number of threads, each one contiguous share. Report {@code staging / memcpy} per thread count (target ≥ 0.8).
 *
 * <pre>java -jar benchmarks.jar StagingBench -p threads=1,2 -p chunkMiB=1,4,16</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class StagingBench {
    /** Elements per call: 32M float32 = 128 MiB in, 128 MiB out. */
    @Param({"33554432"})
    public int size;

    @Param({"1", "2", "4"})
    public int threads;

    /** Staging buffer (one chunk) in MiB. */
    @Param({"1", "4", "16"})
    public int chunkMiB;

    private float[] x;
    private float[] y;
    private Batch batch;
    private Pipeline pipeline;
    private ChunkPlan plan;
    private NullDevice engine;
    private FloatBuffer nativeCopy;
    private ExecutorService pool;

    /** Staging buffers as on a device, copies and kernels that take no time: what is left is the host. */
    static final class NullDevice extends AbstractStagingEngine {
        private final ByteBuffer[][] buffers;

        NullDevice(int slots, long bytes) {
            buffers = new ByteBuffer[slots][2];
            for (int s = 0; s < slots; s++) {
                for (int b = 0; b < 2; b++) {
                    buffers[s][b] = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
                }
            }
        }

        @Override protected ByteBuffer inputBuffer(int slot, Op op, int i) { return buffers[slot][i]; }
        @Override protected ByteBuffer outputBuffer(int slot, Op op, int j) { return buffers[slot][j]; }
        @Override public void h2d(int slot, Op op, Batch batch, int len) { }
        @Override public void kernel(int slot, Op op, Batch batch, int len) { }
        @Override public void d2h(int slot, Op op, Batch batch, int len) { }
        @Override public void await(int slot) { }
        @Override public void abandon() { }
    }

    @Setup(Level.Trial)
    public void setUp() {
        x = BenchData.floats(size);
        y = new float[size];
        batch = new Batch(DType.F32, size, List.of(Operand.of(x)), List.of(Operand.of(y)));
        long bytes = (long) chunkMiB << 20;
        engine = new NullDevice(3, bytes);
        pipeline = new Pipeline("bench", -1, threads, -1, 1L << 30);
        plan = ChunkPlan.of(size, Float.BYTES, bytes, 3);
        nativeCopy = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        pool = Executors.newFixedThreadPool(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
    }

    /** FILL and DRAIN of every chunk; the device steps are no-ops. */
    @Benchmark
    public float[] staging() throws Exception {
        pipeline.run(plan, engine, Op.SIGMOID, batch);
        return y;
    }

    /** The same bytes, heap to native and back, each thread one contiguous share: the ceiling. */
    @Benchmark
    public float[] memcpy() throws Exception {
        share(true);
        share(false);
        return y;
    }

    private void share(boolean in) throws Exception {
        long per = ((long) size + threads - 1) / threads;
        List<Future<?>> f = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            int from = (int) (t * per);
            int n = (int) Math.min(per, size - from);
            f.add(pool.submit(() -> {
                if (in) {
                    nativeCopy.put(from, x, from, n);
                } else {
                    nativeCopy.get(from, y, from, n);
                }
            }));
        }
        for (Future<?> w : f) {
            w.get();
        }
    }
}
