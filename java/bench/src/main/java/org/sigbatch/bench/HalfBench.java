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
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Sigmoid;
import org.sigbatch.reference.HalfFormat;

/**
 * float16 and bfloat16 σ and backward on the CPU engine (one thread) against float32 on the same
 * engine and against the plain loop a user would write with {@code Float.float16ToFloat} /
 * {@code floatToFloat16} around a double σ (not correctly rounded: it rounds twice, via float).
 * Scores are µs per call; GB/s = (bytes in + bytes out) / score: 4 bytes per σ element in 16 bits,
 * 8 in float32; backward 6 and 12.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar java/bench/target/benchmarks.jar HalfBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g", "-Xms2g"})
public class HalfBench {
    @Param({"262144"})
    public int size;

    short[] h16;
    short[] b16;
    short[] g16;
    short[] gb16;
    short[] out;
    float[] x32;
    float[] g32;
    float[] y32;
    Sigmoid engine;

    @Setup(Level.Trial)
    public void setUp() {
        x32 = BenchInputs.uniform20(size);
        g32 = BenchInputs.uniform20(size);
        h16 = new short[size];
        b16 = new short[size];
        g16 = new short[size];
        gb16 = new short[size];
        for (int i = 0; i < size; i++) {
            h16[i] = HalfFormat.F16.round(x32[i]);
            b16[i] = HalfFormat.BF16.round(x32[i]);
            g16[i] = HalfFormat.F16.round(g32[i] / 20);
            gb16[i] = HalfFormat.BF16.round(g32[i] / 20);
        }
        out = new short[size];
        y32 = new float[size];
        // SIMD from the first element (no stand-in during the JIT warm-up): JMH's warm-up iterations compile it
        engine = Sigmoid.builder().backend(BackendKind.CPU).option("cpu.threads", "1").option("cpu.warmup", "off").build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public void sigmoidF32() {
        engine.sigmoid(x32, y32);
    }

    @Benchmark
    public void sigmoidF16() {
        engine.apply(Op.SIGMOID, Operand.f16(h16), Operand.f16(out));
    }

    @Benchmark
    public void sigmoidBF16() {
        engine.apply(Op.SIGMOID, Operand.bf16(b16), Operand.bf16(out));
    }

    @Benchmark
    public void backwardF32() {
        engine.backward(x32, g32, y32);
    }

    @Benchmark
    public void backwardF16() {
        engine.apply(Op.BACKWARD, Operand.f16(h16), Operand.f16(g16), Operand.f16(out));
    }

    @Benchmark
    public void backwardBF16() {
        engine.apply(Op.BACKWARD, Operand.bf16(b16), Operand.bf16(gb16), Operand.bf16(out));
    }

    /** The hand-written loop: widen with Float.float16ToFloat, σ in double with Math.exp, narrow with floatToFloat16. */
    @Benchmark
    public void sigmoidF16ScalarLoop() {
        short[] in = h16;
        short[] o = out;
        for (int i = 0; i < in.length; i++) {
            double x = Float.float16ToFloat(in[i]);
            o[i] = Float.floatToFloat16((float) (1.0 / (1.0 + Math.exp(-x))));
        }
    }
}
