package org.sigbatch;

import java.lang.System.Logger.Level;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.sigbatch.internal.Verifier;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Operand;
import org.sigbatch.spi.Timings;

/**
 * The entry point: evaluates σ(x) = 1/(1+e^−x), σ'(x) = σ(x)(1−σ(x)) and the backward step over
 * batches, on the best backend available, and says which backend produced each result.
 *
 * <pre>{@code
 * try (Sigmoid s = Sigmoid.create()) {            // AUTO, or -Dsigbatch.backend / SIGBATCH_BACKEND
 *     Provenance p = s.sigmoid(x, y);             // y = σ(x)
 *     s.fused(x, y, d);                           // y = σ(x), d = σ'(x) in one pass
 *     s.backward(x, gradOut, gradIn);             // gradIn = gradOut·σ'(x)
 *     System.out.println(p.backend());            // "cuda", "opencl" or "cpu"
 * }
 * }</pre>
 *
 * <p>Backends are plugins found through {@link ServiceLoader}; the CPU backend is always present and
 * is the fallback. A GPU failure mid-call is logged as a warning and the CPU completes the batch; the
 * returned {@link Provenance} says so. Output windows may be the same as an input window (in-place)
 * but may not partially overlap one.
 *
 * <p>Thread safety: an evaluator may be used from many threads at once; calls are independent and
 * give the same results as if made one at a time. {@link #close()} must not race with calls.
 */
public final class Sigmoid implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");

    private final BackendKind requested;
    private final VerifyPolicy verify;
    private final Precision precision;
    private final int sampleSize;
    private final Backend cpu;
    /** Non-CPU backends that opened, best rank first. */
    private final List<Backend> accelerators;
    private final Map<String, String> unavailable;
    private final Map<DeviceArray, Boolean> openArrays = Collections.synchronizedMap(new IdentityHashMap<>());
    private final AtomicLong seed = new AtomicLong(0x5EED);
    private volatile boolean closed;

    private Sigmoid(Builder b) {
        this.requested = b.resolveKind();
        this.verify = b.verify;
        this.sampleSize = b.sampleSize;
        Map<String, String> options = b.resolveOptions();
        this.precision = Precision.parse(options.get("precision"));
        List<BackendProvider> providers = new ArrayList<>();
        if (b.providers != null) {
            providers.addAll(b.providers);
        } else {
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Sigmoid.class.getClassLoader())) {
                providers.add(p);
            }
        }
        providers.sort(Comparator.comparingInt(BackendProvider::rank).reversed());
        Backend cpuBackend = null;
        List<Backend> accel = new ArrayList<>();
        Map<String, String> down = new LinkedHashMap<>();
        for (BackendProvider p : providers) {
            boolean wanted = p.id().equals("cpu") || requested == BackendKind.AUTO || requested.id().equals(p.id());
            if (!wanted) {
                continue;
            }
            try {
                Backend be = p.open(options);
                if (p.id().equals("cpu")) {
                    cpuBackend = be;
                } else {
                    accel.add(be);
                }
            } catch (BackendUnavailableException e) {
                down.put(p.id(), reasonOf(e));
            } catch (RuntimeException | LinkageError e) {
                down.put(p.id(), e.toString());
            }
        }
        if (cpuBackend == null) {
            accel.forEach(Backend::close);
            throw new IllegalStateException("the CPU backend did not load: " + down.getOrDefault("cpu", "no provider found on the class path"));
        }
        for (var e : down.entrySet()) {
            boolean explicit = requested.id().equals(e.getKey());
            LOG.log(explicit ? Level.WARNING : Level.INFO, e.getKey() + " unavailable: " + e.getValue());
        }
        if (requested != BackendKind.AUTO && requested != BackendKind.CPU && accel.isEmpty()) {
            cpuBackend.close();
            String reason = down.getOrDefault(requested.id(), "no provider for it on the class path (add the sigbatch-" + requested.id() + " module)");
            throw new BackendUnavailableException(requested.id(), reason);
        }
        this.cpu = cpuBackend;
        this.accelerators = List.copyOf(accel);
        this.unavailable = Collections.unmodifiableMap(down);
    }

    private static String reasonOf(BackendUnavailableException e) {
        String m = e.getMessage();
        String prefix = e.backend() + " unavailable: ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** An evaluator with the backend from {@code -Dsigbatch.backend}, {@code SIGBATCH_BACKEND} or AUTO. */
    public static Sigmoid create() {
        return builder().build();
    }

    public static Sigmoid create(BackendKind kind) {
        return builder().backend(kind).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options for a {@link Sigmoid} evaluator. */
    public static final class Builder {
        private BackendKind kind;
        private VerifyPolicy verify = VerifyPolicy.NONE;
        private Precision precision;
        private int sampleSize = 64;
        private final Map<String, String> options = new HashMap<>();
        private Map<String, String> env = System.getenv();
        private List<BackendProvider> providers;

        private Builder() {
        }

        /** The backend to use. Unset: {@code sigbatch.backend} system property, then {@code SIGBATCH_BACKEND}, then AUTO. */
        public Builder backend(BackendKind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
            return this;
        }

        public Builder verify(VerifyPolicy policy) {
            this.verify = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * The accuracy tier (see {@link Precision}). Unset: the option {@code precision}
         * ({@code -Dsigbatch.precision}), then {@code SIGBATCH_PRECISION}, then ACCURATE.
         */
        public Builder precision(Precision precision) {
            this.precision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        /** Elements recomputed per call under {@link VerifyPolicy#SAMPLE} (default 64, at least 2). */
        public Builder sampleSize(int k) {
            if (k < 2) {
                throw new IllegalArgumentException("sample size must be at least 2, got " + k);
            }
            this.sampleSize = k;
            return this;
        }

        /**
         * A backend option, e.g. {@code cpu.threads=2}, {@code opencl.device=1}, {@code cuda.device=0}.
         * System properties {@code sigbatch.<key>} set the same options; these take precedence.
         */
        public Builder option(String key, String value) {
            options.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Uses these providers instead of the ServiceLoader's (for tests). */
        Builder providers(List<BackendProvider> providers) {
            this.providers = List.copyOf(providers);
            return this;
        }

        /** Replaces the environment read for {@code SIGBATCH_BACKEND} (for tests). */
        Builder environment(Map<String, String> env) {
            this.env = Map.copyOf(env);
            return this;
        }

        BackendKind resolveKind() {
            if (kind != null) {
                return kind;
            }
            String p = System.getProperty("sigbatch.backend");
            if (p != null && !p.isBlank()) {
                return BackendKind.parse(p);
            }
            String e = env.get("SIGBATCH_BACKEND");
            if (e != null && !e.isBlank()) {
                return BackendKind.parse(e);
            }
            return BackendKind.AUTO;
        }

        Map<String, String> resolveOptions() {
            Map<String, String> m = new HashMap<>();
            for (String name : System.getProperties().stringPropertyNames()) {
                if (name.startsWith("sigbatch.")) {
                    m.put(name.substring("sigbatch.".length()), System.getProperty(name));
                }
            }
            m.putAll(options);
            String e = env.get("SIGBATCH_PRECISION");
            Precision p = precision != null ? precision
                    : m.get("precision") != null ? Precision.parse(m.get("precision"))
                    : e != null && !e.isBlank() ? Precision.parse(e) : Precision.ACCURATE;
            m.put("precision", p.id()); // every provider sees the resolved tier
            return m;
        }

        public Sigmoid build() {
            return new Sigmoid(this);
        }
    }

    // ------------------------------------------------------------------ introspection

    /** The backend kind this evaluator was asked for. */
    public BackendKind requested() {
        return requested;
    }

    public VerifyPolicy verifyPolicy() {
        return verify;
    }

    /** The accuracy tier every call of this evaluator meets. */
    public Precision precision() {
        return precision;
    }

    /** Ids of the backends that opened, best first; always ends with {@code cpu}. */
    public List<String> availableBackends() {
        List<String> ids = new ArrayList<>();
        accelerators.forEach(b -> ids.add(b.id()));
        ids.add(cpu.id());
        return ids;
    }

    /** Backends that failed to open, with the reason, e.g. {@code opencl -> "no OpenCL platform"}. */
    public Map<String, String> unavailableBackends() {
        return unavailable;
    }

    /** Device description of an opened backend ({@code sigbatch devices}). */
    public Map<String, String> describe(String backendId) {
        return backend(backendId).describe();
    }

    /** Device name of an opened backend. */
    public String deviceName(String backendId) {
        return backend(backendId).device();
    }

    private Backend backend(String id) {
        if (cpu.id().equals(id)) {
            return cpu;
        }
        for (Backend b : accelerators) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        throw new IllegalArgumentException("backend '" + id + "' is not open in this evaluator (open: " + availableBackends() + ")");
    }

    /** The backend AUTO would choose for {@code elements} host-resident elements of {@code op}. */
    public String choose(Op op, DType dtype, long elements) {
        return select(op, dtype, elements, null).id();
    }

    // ------------------------------------------------------------------ device arrays

    /**
     * Allocates an array in the memory of the backend this evaluator targets (the requested one, or
     * for AUTO the best accelerator, else the heap).
     */
    public DeviceArray allocate(DType dtype, int length) {
        ensureOpen();
        Objects.requireNonNull(dtype, "dtype");
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        Backend target = requested == BackendKind.CPU || accelerators.isEmpty() ? cpu : accelerators.get(0);
        DeviceArray a = target.allocate(dtype, length);
        openArrays.put(a, Boolean.TRUE);
        return new TrackedArray(a);
    }

    /** Allocates a float32 device array and copies {@code x} into it. */
    public DeviceArray upload(float[] x) {
        Objects.requireNonNull(x, "x");
        DeviceArray a = allocate(DType.F32, x.length);
        a.write(0, x, 0, x.length);
        return a;
    }

    public DeviceArray upload(double[] x) {
        Objects.requireNonNull(x, "x");
        DeviceArray a = allocate(DType.F64, x.length);
        a.write(0, x, 0, x.length);
        return a;
    }

    /** Removes the array from the leak tracking when the caller closes it. */
    private final class TrackedArray implements DeviceArray {
        private final DeviceArray inner;

        TrackedArray(DeviceArray inner) {
            this.inner = inner;
        }

        DeviceArray inner() {
            return inner;
        }

        @Override public DType dtype() { return inner.dtype(); }
        @Override public int length() { return inner.length(); }
        @Override public String backend() { return inner.backend(); }
        @Override public void write(int index, float[] src, int srcOff, int len) { inner.write(index, src, srcOff, len); }
        @Override public void write(int index, double[] src, int srcOff, int len) { inner.write(index, src, srcOff, len); }
        @Override public void read(int index, float[] dst, int dstOff, int len) { inner.read(index, dst, dstOff, len); }
        @Override public void read(int index, double[] dst, int dstOff, int len) { inner.read(index, dst, dstOff, len); }
        @Override public boolean isClosed() { return inner.isClosed(); }

        @Override
        public void close() {
            openArrays.remove(inner);
            inner.close();
        }

        @Override
        public String toString() {
            return inner.toString();
        }
    }

    // ------------------------------------------------------------------ float[]

    public Provenance sigmoid(float[] x, float[] y) {
        return sigmoid(x, 0, y, 0, sameLength(x, y, "x", "y"));
    }

    public Provenance sigmoid(float[] x, int xOff, float[] y, int yOff, int length) {
        return run(Op.SIGMOID, new Operand[] {f32(x, xOff, length, "x")}, new Operand[] {f32(y, yOff, length, "y")});
    }

    public Provenance derivative(float[] x, float[] d) {
        return derivative(x, 0, d, 0, sameLength(x, d, "x", "d"));
    }

    public Provenance derivative(float[] x, int xOff, float[] d, int dOff, int length) {
        return run(Op.DERIVATIVE, new Operand[] {f32(x, xOff, length, "x")}, new Operand[] {f32(d, dOff, length, "d")});
    }

    public Provenance fused(float[] x, float[] y, float[] d) {
        int n = sameLength(x, y, "x", "y");
        sameLength(x, d, "x", "d");
        return fused(x, 0, y, 0, d, 0, n);
    }

    public Provenance fused(float[] x, int xOff, float[] y, int yOff, float[] d, int dOff, int length) {
        return run(Op.FUSED, new Operand[] {f32(x, xOff, length, "x")},
                new Operand[] {f32(y, yOff, length, "y"), f32(d, dOff, length, "d")});
    }

    public Provenance backward(float[] x, float[] gradOut, float[] gradIn) {
        int n = sameLength(x, gradOut, "x", "gradOut");
        sameLength(x, gradIn, "x", "gradIn");
        return backward(x, 0, gradOut, 0, gradIn, 0, n);
    }

    public Provenance backward(float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int length) {
        return run(Op.BACKWARD, new Operand[] {f32(x, xOff, length, "x"), f32(gradOut, gOff, length, "gradOut")},
                new Operand[] {f32(gradIn, giOff, length, "gradIn")});
    }

    /** gradIn = gradOut·y·(1−y); see {@link Op#BACKWARD_FROM_OUTPUT} for its accuracy limit. */
    public Provenance backwardFromOutput(float[] y, float[] gradOut, float[] gradIn) {
        int n = sameLength(y, gradOut, "y", "gradOut");
        sameLength(y, gradIn, "y", "gradIn");
        return backwardFromOutput(y, 0, gradOut, 0, gradIn, 0, n);
    }

    public Provenance backwardFromOutput(float[] y, int yOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int length) {
        return run(Op.BACKWARD_FROM_OUTPUT, new Operand[] {f32(y, yOff, length, "y"), f32(gradOut, gOff, length, "gradOut")},
                new Operand[] {f32(gradIn, giOff, length, "gradIn")});
    }

    // ------------------------------------------------------------------ double[]

    public Provenance sigmoid(double[] x, double[] y) {
        return sigmoid(x, 0, y, 0, sameLength(x, y, "x", "y"));
    }

    public Provenance sigmoid(double[] x, int xOff, double[] y, int yOff, int length) {
        return run(Op.SIGMOID, new Operand[] {f64(x, xOff, length, "x")}, new Operand[] {f64(y, yOff, length, "y")});
    }

    public Provenance derivative(double[] x, double[] d) {
        return derivative(x, 0, d, 0, sameLength(x, d, "x", "d"));
    }

    public Provenance derivative(double[] x, int xOff, double[] d, int dOff, int length) {
        return run(Op.DERIVATIVE, new Operand[] {f64(x, xOff, length, "x")}, new Operand[] {f64(d, dOff, length, "d")});
    }

    public Provenance fused(double[] x, double[] y, double[] d) {
        int n = sameLength(x, y, "x", "y");
        sameLength(x, d, "x", "d");
        return fused(x, 0, y, 0, d, 0, n);
    }

    public Provenance fused(double[] x, int xOff, double[] y, int yOff, double[] d, int dOff, int length) {
        return run(Op.FUSED, new Operand[] {f64(x, xOff, length, "x")},
                new Operand[] {f64(y, yOff, length, "y"), f64(d, dOff, length, "d")});
    }

    public Provenance backward(double[] x, double[] gradOut, double[] gradIn) {
        int n = sameLength(x, gradOut, "x", "gradOut");
        sameLength(x, gradIn, "x", "gradIn");
        return backward(x, 0, gradOut, 0, gradIn, 0, n);
    }

    public Provenance backward(double[] x, int xOff, double[] gradOut, int gOff, double[] gradIn, int giOff, int length) {
        return run(Op.BACKWARD, new Operand[] {f64(x, xOff, length, "x"), f64(gradOut, gOff, length, "gradOut")},
                new Operand[] {f64(gradIn, giOff, length, "gradIn")});
    }

    public Provenance backwardFromOutput(double[] y, double[] gradOut, double[] gradIn) {
        int n = sameLength(y, gradOut, "y", "gradOut");
        sameLength(y, gradIn, "y", "gradIn");
        return backwardFromOutput(y, 0, gradOut, 0, gradIn, 0, n);
    }

    public Provenance backwardFromOutput(double[] y, int yOff, double[] gradOut, int gOff, double[] gradIn, int giOff, int length) {
        return run(Op.BACKWARD_FROM_OUTPUT, new Operand[] {f64(y, yOff, length, "y"), f64(gradOut, gOff, length, "gradOut")},
                new Operand[] {f64(gradIn, giOff, length, "gradIn")});
    }

    // ------------------------------------------------------------------ NIO buffers: elements [position, limit)

    public Provenance sigmoid(FloatBuffer x, FloatBuffer y) {
        int n = remaining(x, y, "x", "y");
        return run(Op.SIGMOID, new Operand[] {buf(x, n, "x", false)}, new Operand[] {buf(y, n, "y", true)});
    }

    public Provenance derivative(FloatBuffer x, FloatBuffer d) {
        int n = remaining(x, d, "x", "d");
        return run(Op.DERIVATIVE, new Operand[] {buf(x, n, "x", false)}, new Operand[] {buf(d, n, "d", true)});
    }

    public Provenance fused(FloatBuffer x, FloatBuffer y, FloatBuffer d) {
        int n = remaining(x, y, "x", "y");
        remaining(x, d, "x", "d");
        return run(Op.FUSED, new Operand[] {buf(x, n, "x", false)}, new Operand[] {buf(y, n, "y", true), buf(d, n, "d", true)});
    }

    public Provenance backward(FloatBuffer x, FloatBuffer gradOut, FloatBuffer gradIn) {
        int n = remaining(x, gradOut, "x", "gradOut");
        remaining(x, gradIn, "x", "gradIn");
        return run(Op.BACKWARD, new Operand[] {buf(x, n, "x", false), buf(gradOut, n, "gradOut", false)},
                new Operand[] {buf(gradIn, n, "gradIn", true)});
    }

    public Provenance backwardFromOutput(FloatBuffer y, FloatBuffer gradOut, FloatBuffer gradIn) {
        int n = remaining(y, gradOut, "y", "gradOut");
        remaining(y, gradIn, "y", "gradIn");
        return run(Op.BACKWARD_FROM_OUTPUT, new Operand[] {buf(y, n, "y", false), buf(gradOut, n, "gradOut", false)},
                new Operand[] {buf(gradIn, n, "gradIn", true)});
    }

    public Provenance sigmoid(DoubleBuffer x, DoubleBuffer y) {
        int n = remaining(x, y, "x", "y");
        return run(Op.SIGMOID, new Operand[] {buf(x, n, "x", false)}, new Operand[] {buf(y, n, "y", true)});
    }

    public Provenance derivative(DoubleBuffer x, DoubleBuffer d) {
        int n = remaining(x, d, "x", "d");
        return run(Op.DERIVATIVE, new Operand[] {buf(x, n, "x", false)}, new Operand[] {buf(d, n, "d", true)});
    }

    public Provenance fused(DoubleBuffer x, DoubleBuffer y, DoubleBuffer d) {
        int n = remaining(x, y, "x", "y");
        remaining(x, d, "x", "d");
        return run(Op.FUSED, new Operand[] {buf(x, n, "x", false)}, new Operand[] {buf(y, n, "y", true), buf(d, n, "d", true)});
    }

    public Provenance backward(DoubleBuffer x, DoubleBuffer gradOut, DoubleBuffer gradIn) {
        int n = remaining(x, gradOut, "x", "gradOut");
        remaining(x, gradIn, "x", "gradIn");
        return run(Op.BACKWARD, new Operand[] {buf(x, n, "x", false), buf(gradOut, n, "gradOut", false)},
                new Operand[] {buf(gradIn, n, "gradIn", true)});
    }

    public Provenance backwardFromOutput(DoubleBuffer y, DoubleBuffer gradOut, DoubleBuffer gradIn) {
        int n = remaining(y, gradOut, "y", "gradOut");
        remaining(y, gradIn, "y", "gradIn");
        return run(Op.BACKWARD_FROM_OUTPUT, new Operand[] {buf(y, n, "y", false), buf(gradOut, n, "gradOut", false)},
                new Operand[] {buf(gradIn, n, "gradIn", true)});
    }

    // ------------------------------------------------------------------ device arrays (whole arrays)

    public Provenance sigmoid(DeviceArray x, DeviceArray y) {
        int n = sameLength(x, y, "x", "y");
        return run(Op.SIGMOID, new Operand[] {dev(x, n, "x")}, new Operand[] {dev(y, n, "y")});
    }

    public Provenance derivative(DeviceArray x, DeviceArray d) {
        int n = sameLength(x, d, "x", "d");
        return run(Op.DERIVATIVE, new Operand[] {dev(x, n, "x")}, new Operand[] {dev(d, n, "d")});
    }

    public Provenance fused(DeviceArray x, DeviceArray y, DeviceArray d) {
        int n = sameLength(x, y, "x", "y");
        sameLength(x, d, "x", "d");
        return run(Op.FUSED, new Operand[] {dev(x, n, "x")}, new Operand[] {dev(y, n, "y"), dev(d, n, "d")});
    }

    public Provenance backward(DeviceArray x, DeviceArray gradOut, DeviceArray gradIn) {
        int n = sameLength(x, gradOut, "x", "gradOut");
        sameLength(x, gradIn, "x", "gradIn");
        return run(Op.BACKWARD, new Operand[] {dev(x, n, "x"), dev(gradOut, n, "gradOut")}, new Operand[] {dev(gradIn, n, "gradIn")});
    }

    public Provenance backwardFromOutput(DeviceArray y, DeviceArray gradOut, DeviceArray gradIn) {
        int n = sameLength(y, gradOut, "y", "gradOut");
        sameLength(y, gradIn, "y", "gradIn");
        return run(Op.BACKWARD_FROM_OUTPUT, new Operand[] {dev(y, n, "y"), dev(gradOut, n, "gradOut")}, new Operand[] {dev(gradIn, n, "gradIn")});
    }

    // ------------------------------------------------------------------ the one path every call takes

    private Provenance run(Op op, Operand[] ins, Operand[] outs) {
        ensureOpen();
        DType dtype = ins[0].dtype();
        int n = ins[0].length();
        for (Operand o : concat(ins, outs)) {
            if (o.dtype() != dtype) {
                throw new IllegalArgumentException(op.label() + ": all operands must be " + dtype + ", got a " + o.dtype() + " operand");
            }
        }
        checkAliasing(op, ins, outs);
        Batch batch = new Batch(dtype, n, List.of(ins), List.of(outs));
        Backend primary = select(op, dtype, n, deviceOwner(ins, outs));

        Verifier.Snapshot snap = verify == VerifyPolicy.NONE ? Verifier.Snapshot.EMPTY
                : Verifier.capture(verify, batch, sampleSize, new SplittableRandom(seed.getAndIncrement()));
        long t0 = System.nanoTime();
        Timings timings = Timings.NONE;
        String fallbackFrom = null;
        String fallbackReason = null;
        long primaryDone = 0;
        Backend producer = primary;
        try {
            timings = primary.execute(op, batch);
        } catch (BackendFailure f) {
            if (primary == cpu || isDevice(ins, outs)) {
                throw new IllegalStateException(primary.id() + " failed and its device-resident data cannot fall back to the CPU: " + f.getMessage(), f);
            }
            fallbackFrom = primary.id();
            fallbackReason = f.getMessage();
            primaryDone = f.completed();
            LOG.log(Level.WARNING, primary.id() + " failed during " + op.label() + " of " + n + " elements after " + primaryDone
                    + " were done; the CPU completes the rest: " + f.getMessage(), f);
            producer = cpu;
            try {
                cpu.execute(op, batch.slice((int) primaryDone, n - (int) primaryDone));
            } catch (BackendFailure cpuFailure) {
                cpuFailure.addSuppressed(f);
                throw new IllegalStateException("the CPU fallback failed too", cpuFailure);
            }
            timings = Timings.NONE;
        }
        long nanos = System.nanoTime() - t0;
        Verifier.check(precision, op, batch, snap, producer.id());
        return new Provenance(producer.id(), producer.device(), op, dtype, n, fallbackFrom, fallbackReason, primaryDone,
                verify, snap.size(), nanos, timings.transferNanos(), timings.kernelNanos(), precision);
    }

    private Backend select(Op op, DType dtype, long n, String owner) {
        if (owner != null) {
            return backend(owner);
        }
        if (requested == BackendKind.CPU) {
            return cpu;
        }
        for (Backend b : accelerators) {
            if (!b.supports(op, dtype)) {
                continue;
            }
            if (requested != BackendKind.AUTO || n >= b.breakEvenElements(op, dtype)) {
                return b;
            }
        }
        if (requested != BackendKind.AUTO && !accelerators.isEmpty()) {
            throw new UnsupportedOperationException(requested.id() + " does not support " + op.label() + " on " + dtype
                    + " here (" + accelerators.get(0).device() + ")");
        }
        return cpu;
    }

    private String deviceOwner(Operand[] ins, Operand[] outs) {
        String owner = null;
        for (Operand o : concat(ins, outs)) {
            if (o instanceof Operand.Device d) {
                if (owner != null && !owner.equals(d.array().backend())) {
                    throw new IllegalArgumentException("device arrays of different backends (" + owner + ", " + d.array().backend() + ") in one call");
                }
                owner = d.array().backend();
            }
        }
        if (owner != null) {
            for (Operand o : concat(ins, outs)) {
                if (!(o instanceof Operand.Device)) {
                    throw new IllegalArgumentException("a call on device arrays takes only device arrays; download or upload the others first");
                }
            }
        }
        return owner;
    }

    private static boolean isDevice(Operand[] ins, Operand[] outs) {
        for (Operand o : concat(ins, outs)) {
            if (o instanceof Operand.Device) {
                return true;
            }
        }
        return false;
    }

    private static Operand[] concat(Operand[] a, Operand[] b) {
        Operand[] all = new Operand[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Outputs may be exactly an input (in-place) but may not partially overlap an input or each other. */
    private static void checkAliasing(Op op, Operand[] ins, Operand[] outs) {
        for (int i = 0; i < outs.length; i++) {
            for (Operand in : ins) {
                if (outs[i].overlaps(in) && !outs[i].sameWindow(in)) {
                    throw new IllegalArgumentException(op.label() + ": output " + Verifier.outputName(op, i)
                            + " partially overlaps an input; use the same window (in-place) or separate storage");
                }
            }
            for (int j = i + 1; j < outs.length; j++) {
                if (outs[i].overlaps(outs[j])) {
                    throw new IllegalArgumentException(op.label() + ": outputs y and d overlap; they need separate storage");
                }
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this Sigmoid evaluator is closed");
        }
    }

    // ------------------------------------------------------------------ argument checks

    private static void notNull(Object o, String name) {
        if (o == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    private static int sameLength(float[] a, float[] b, String an, String bn) {
        notNull(a, an);
        notNull(b, bn);
        if (a.length != b.length) {
            throw new IllegalArgumentException(an + " has " + a.length + " elements but " + bn + " has " + b.length);
        }
        return a.length;
    }

    private static int sameLength(double[] a, double[] b, String an, String bn) {
        notNull(a, an);
        notNull(b, bn);
        if (a.length != b.length) {
            throw new IllegalArgumentException(an + " has " + a.length + " elements but " + bn + " has " + b.length);
        }
        return a.length;
    }

    private static int sameLength(DeviceArray a, DeviceArray b, String an, String bn) {
        notNull(a, an);
        notNull(b, bn);
        if (a.length() != b.length()) {
            throw new IllegalArgumentException(an + " has " + a.length() + " elements but " + bn + " has " + b.length());
        }
        return a.length();
    }

    private static int remaining(Buffer a, Buffer b, String an, String bn) {
        notNull(a, an);
        notNull(b, bn);
        if (a.remaining() != b.remaining()) {
            throw new IllegalArgumentException(an + " has " + a.remaining() + " elements remaining but " + bn + " has " + b.remaining());
        }
        return a.remaining();
    }

    private static Operand f32(float[] a, int off, int len, String name) {
        notNull(a, name);
        window(a.length, off, len, name);
        return new Operand.F32Array(a, off, len);
    }

    private static Operand f64(double[] a, int off, int len, String name) {
        notNull(a, name);
        window(a.length, off, len, name);
        return new Operand.F64Array(a, off, len);
    }

    private static void window(int capacity, int off, int len, String name) {
        if (len < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + len);
        }
        if (off < 0 || off > capacity - len) {
            throw new IllegalArgumentException(name + ": offset " + off + " with length " + len + " is out of range for an array of " + capacity);
        }
    }

    private static Operand buf(FloatBuffer b, int n, String name, boolean output) {
        checkBuffer(b, name, output);
        return new Operand.F32Buffer(b, b.position(), n);
    }

    private static Operand buf(DoubleBuffer b, int n, String name, boolean output) {
        checkBuffer(b, name, output);
        return new Operand.F64Buffer(b, b.position(), n);
    }

    private static void checkBuffer(Buffer b, String name, boolean output) {
        notNull(b, name);
        if (output && b.isReadOnly()) {
            throw new IllegalArgumentException(name + " is a read-only buffer and cannot take results");
        }
    }

    private static Operand dev(DeviceArray a, int n, String name) {
        notNull(a, name);
        if (a.isClosed()) {
            throw new IllegalStateException(name + " is a closed device array");
        }
        DeviceArray inner = a instanceof Sigmoid.TrackedArray t ? t.inner() : a;
        return new Operand.Device(inner, 0, n);
    }

    // ------------------------------------------------------------------ close

    /**
     * Closes every backend. Device arrays still open are freed and reported: this throws
     * {@link IllegalStateException} naming how many leaked, as Arrow's allocators do.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> leaked = new ArrayList<>();
        synchronized (openArrays) {
            Set<DeviceArray> arrays = openArrays.keySet();
            for (DeviceArray a : arrays) {
                if (!a.isClosed()) {
                    leaked.add(a.dtype() + "[" + a.length() + "] on " + a.backend());
                    a.close();
                }
            }
            openArrays.clear();
        }
        RuntimeException first = null;
        for (Backend b : accelerators) {
            try {
                b.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        cpu.close();
        if (!leaked.isEmpty()) {
            throw new IllegalStateException("Sigmoid closed with " + leaked.size() + " device array(s) still open (freed now): " + leaked);
        }
        if (first != null) {
            throw first;
        }
    }
}
