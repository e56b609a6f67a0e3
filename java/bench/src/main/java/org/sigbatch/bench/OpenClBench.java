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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * OpenCL against the CPU backend, float32. {@code *Device}: kernel only, operands already in the
 * backend's memory (DeviceArray; for the CPU backend a heap array). {@code *Host}: end to end from
 * float[] (transfers included for OpenCL). Elements per second = size / (time per op).
 *
 * <pre>java -jar java/bench/target/benchmarks.jar OpenClBench -f 1 -wi 2 -i 3 -p size=4194304,16777216</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class OpenClBench {
    @Param({"4096", "262144", "4194304", "16777216", "67108864"})
    public int size;

    @Param({"opencl", "cpu"})
    public String backend;

    private Sigmoid s;
    private float[] x;
    private float[] y;
    private float[] d;
    private DeviceArray dx;
    private DeviceArray dy;
    private DeviceArray dd;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        s = Sigmoid.builder().backend(BackendKind.parse(backend)).build();
        SplittableRandom r = new SplittableRandom(42);
        x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) r.nextDouble(-20, 20);
        }
        y = new float[size];
        d = new float[size];
        dx = s.upload(x);
        dy = s.allocate(DType.F32, size);
        dd = s.allocate(DType.F32, size);
        Provenance p = s.sigmoid(x, y);
        System.out.println("# " + backend + ": " + p.backend() + " [" + p.device() + "]");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dx.close();
        dy.close();
        dd.close();
        s.close();
    }

    @Benchmark
    public Provenance sigmoidHost() {
        return s.sigmoid(x, y);
    }

    @Benchmark
    public Provenance sigmoidDevice() {
        return s.sigmoid(dx, dy);
    }

    @Benchmark
    public Provenance fusedHost() {
        return s.fused(x, y, d);
    }

    @Benchmark
    public Provenance fusedDevice() {
        return s.fused(dx, dy, dd);
    }
}
