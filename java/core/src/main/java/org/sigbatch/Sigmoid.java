package org.sigbatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.sigbatch.internal.BackendRegistry;
import org.sigbatch.internal.CallRunner;
import org.sigbatch.internal.Checks;
import org.sigbatch.spi.BackendProvider;

/**
 * The entry point: evaluates σ(x) = 1/(1+e^−x), σ'(x) = σ(x)(1−σ(x)) and the backward step over
 * batches, on the best backend available, and says which backend produced each result.
 *
 * <pre>{@code
 * try (Sigmoid s = Sigmoid.create()) {            // AUTO, or -Dsigbatch.backend / SIGBATCH_BACKEND
 *     Provenance p = s.sigmoid(x, y);             // y = σ(x)
 *     s.fused(x, y, d);                           // y = σ(x), d = σ'(x) in one pass
 *     s.backward(x, gradOut, gradIn);             // gradIn = gradOut·σ'(x)
 *     s.apply(Op.SIGMOID, Operand.of(x, 16, n), Operand.of(buffer));   // any storage, any window
 *     System.out.println(p.backend());            // "cuda", "opencl" or "cpu"
 * }
 * }</pre>
 *
 * <p>{@link #apply(Op, Operand...)} takes every op on every kind of storage ({@link Operand}: heap
 * arrays and windows of them, NIO buffers, {@link DeviceArray}s); the methods named after the ops are
 * shorthands for whole arrays. Backends are plugins found through {@link ServiceLoader} and named by
 * their provider's id; the CPU backend is always present and is the fallback. A GPU failure mid-call
 * is logged as a warning and the CPU completes the batch; the returned {@link Provenance} says so.
 * Output windows may be the same as an input window (in-place) but may not partially overlap one.
 *
 * <p>Thread safety: an evaluator may be used from many threads at once; calls are independent and
 * give the same results as if made one at a time. {@link #close()} must not race with calls.
 */
public final class Sigmoid implements AutoCloseable {
    private final BackendRegistry backends;
    private final CallRunner runner;
    private final VerifyPolicy verify;
    private final Precision precision;
    private volatile boolean closed;

    private Sigmoid(Builder b) {
        List<BackendProvider> providers = b.providers != null ? b.providers : BackendRegistry.discover(b.extra);
        Map<String, String> options = b.resolveOptions();
        this.precision = Precision.parse(options.get("precision"));
        this.backends = BackendRegistry.open(b.resolveBackend(), options, providers);
        this.verify = b.verify;
        this.runner = new CallRunner(backends, b.verify, precision, b.sampleSize);
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

    /**
     * Starts, on a background daemon thread, the loading of drivers and native libraries that building
     * an evaluator for {@code backend} (and the CPU; {@code auto}: every backend) will do, so that other
     * start-up work (a command line's parsing) overlaps it. Optional and harmless: an evaluator built
     * later opens, selects and reports exactly as without it, waiting for a preload still in progress.
     * Each backend is preloaded at most once per JVM.
     */
    public static void preload(String backend) {
        BackendRegistry.preload(Builder.normalise(Objects.requireNonNull(backend, "backend")));
    }

    /** Options for a {@link Sigmoid} evaluator. */
    public static final class Builder {
        private String backend;
        private VerifyPolicy verify = VerifyPolicy.NONE;
        private Precision precision;
        private int sampleSize = 64;
        private final Map<String, String> options = new HashMap<>();
        private Map<String, String> env = System.getenv();
        private List<BackendProvider> providers;
        private final List<BackendProvider> extra = new ArrayList<>();

        private Builder() {
        }

        /** The backend to use. Unset: {@code sigbatch.backend} system property, then {@code SIGBATCH_BACKEND}, then AUTO. */
        public Builder backend(BackendKind kind) {
            return backend(Objects.requireNonNull(kind, "kind").id());
        }

        /** The backend by its provider's id ({@code auto}, {@code cpu}, {@code opencl}, {@code cuda}, or a plugin's). */
        public Builder backend(String id) {
            this.backend = normalise(Objects.requireNonNull(id, "id"));
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

        /**
         * Adds a backend provider to those the ServiceLoader finds (a backend not registered in
         * {@code META-INF/services}, e.g. one written in a test). A provider with the id of a
         * discovered one replaces it.
         */
        public Builder provider(BackendProvider provider) {
            extra.add(Objects.requireNonNull(provider, "provider"));
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

        private static String normalise(String id) {
            String s = id.trim().toLowerCase(Locale.ROOT);
            if (s.isEmpty()) {
                throw new IllegalArgumentException("backend id must not be blank (expected auto, cpu, opencl, cuda or a plugin's id)");
            }
            return s;
        }

        String resolveBackend() {
            if (backend != null) {
                return backend;
            }
            String p = System.getProperty("sigbatch.backend");
            if (p != null && !p.isBlank()) {
                return normalise(p);
            }
            String e = env.get("SIGBATCH_BACKEND");
            if (e != null && !e.isBlank()) {
                return normalise(e);
            }
            return BackendRegistry.AUTO;
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

    /** Id of the backend this evaluator was asked for: {@code auto}, {@code cpu}, {@code opencl}, {@code cuda}, ... */
    public String requested() {
        return backends.requested();
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
        return backends.available();
    }

    /** Backends that failed to open, with the reason, e.g. {@code opencl -> "no OpenCL platform"}. */
    public Map<String, String> unavailableBackends() {
        return backends.unavailable();
    }

    /** Device description of an opened backend ({@code sigbatch devices}), then AUTO's cost-model inputs for it. */
    public Map<String, String> describe(String backendId) {
        Map<String, String> m = new java.util.LinkedHashMap<>(backends.backend(backendId).describe());
        m.putAll(backends.costModel(backendId));
        return m;
    }

    /**
     * Blocks until every backend of this evaluator runs at full speed, and returns how long it waited.
     * The CPU backend's SIMD kernels are fast only once the JIT (C2) has compiled them: a background
     * thread starts on that when the evaluator is built and needs about 1–2.5 s of one core after JVM
     * start (measured on a 2-core Zen 3 with the default JIT thresholds; later evaluators in the same JVM
     * find them warm). Calls made meanwhile are not slowed to a crawl: they run a bit-identical scalar
     * twin at about a quarter of the SIMD speed, switching to SIMD mid-call when it is ready. Call this
     * before timing calls, or where even that matters. It also runs one small σ call per dtype family
     * through the whole call path and (CPU option {@code cpu.warmup.settle=jit}, the default) waits up to
     * 1 s for the JIT's trailing recompiles. Measured on 16M float32 elements in a fresh JVM (idle 2 vCPU
     * Xeon, JDK 25): it returns after 1.4 s, and the first call then takes 1.27× the steady-state call
     * (0.95–1.84×; without it 9–12×, the twin computing while the JIT takes a core).
     */
    public java.time.Duration warmUp() {
        ensureOpen();
        long t0 = System.nanoTime();
        backends.cpu().warmUp();
        for (String id : backends.available()) {
            backends.backend(id).warmUp();
        }
        runner.warmCallPath();
        return java.time.Duration.ofNanos(System.nanoTime() - t0);
    }

    /**
     * Starts the CPU kernels' JIT warm-up on a background thread now, before any evaluator is built
     * (a command line does this before it parses its arguments). Evaluators built later join the
     * same warm-up; {@link #warmUp()} waits for it. Returns at once.
     */
    public static void startWarmUp() {
        org.sigbatch.cpu.JitWarmup.prestart();
    }

    /**
     * As {@link #startWarmUp()}, only for the kernels that compute {@code dtype}: the float32 ones, or
     * the float64 ones (which float16 and bfloat16 use too). For a program that uses one dtype, with
     * the option {@code cpu.warmup.dtypes} on its evaluator: the other family's warm-up would take the
     * JIT and a core from it.
     */
    public static void startWarmUp(DType dtype) {
        Checks.notNull(dtype, "dtype");
        org.sigbatch.cpu.JitWarmup.prestart(dtype == DType.F32, dtype != DType.F32);
    }

    /** Device name of an opened backend. */
    public String deviceName(String backendId) {
        return backends.backend(backendId).device();
    }

    /** The backend AUTO would choose for {@code elements} host-resident elements of {@code op}. */
    public String choose(Op op, DType dtype, long elements) {
        return backends.select(op, dtype, elements, null).id();
    }

    // ------------------------------------------------------------------ device arrays

    /**
     * Allocates an array in the memory of the backend this evaluator targets (the requested one, or
     * for AUTO the best accelerator, else the heap).
     */
    public DeviceArray allocate(DType dtype, int length) {
        ensureOpen();
        return backends.allocationTarget().allocate(dtype, length);
    }

    /** Allocates a float32 device array and copies {@code x} into it. */
    public DeviceArray upload(float[] x) {
        Checks.notNull(x, "x");
        DeviceArray a = allocate(DType.F32, x.length);
        a.write(0, x, 0, x.length);
        return a;
    }

    public DeviceArray upload(double[] x) {
        Checks.notNull(x, "x");
        DeviceArray a = allocate(DType.F64, x.length);
        a.write(0, x, 0, x.length);
        return a;
    }

    // ------------------------------------------------------------------ evaluation

    /**
     * Evaluates {@code op}. {@code operands} are its inputs then its outputs, in the order {@link Op}
     * lists them (e.g. x, y, d for {@link Op#FUSED}), all of one dtype and length.
     */
    public Provenance apply(Op op, Operand... operands) {
        ensureOpen();
        return runner.run(op, operands);
    }

    /** y = σ(x). */
    public Provenance sigmoid(float[] x, float[] y) {
        return apply(Op.SIGMOID, of(x, "x"), of(y, "y"));
    }

    /** d = σ'(x). */
    public Provenance derivative(float[] x, float[] d) {
        return apply(Op.DERIVATIVE, of(x, "x"), of(d, "d"));
    }

    /** y = σ(x) and d = σ'(x) in one pass. */
    public Provenance fused(float[] x, float[] y, float[] d) {
        return apply(Op.FUSED, of(x, "x"), of(y, "y"), of(d, "d"));
    }

    /** gradIn = gradOut·σ'(x). */
    public Provenance backward(float[] x, float[] gradOut, float[] gradIn) {
        return apply(Op.BACKWARD, of(x, "x"), of(gradOut, "gradOut"), of(gradIn, "gradIn"));
    }

    /** gradIn = gradOut·y·(1−y); see {@link Op#BACKWARD_FROM_OUTPUT} for its accuracy limit. */
    public Provenance backwardFromOutput(float[] y, float[] gradOut, float[] gradIn) {
        return apply(Op.BACKWARD_FROM_OUTPUT, of(y, "y"), of(gradOut, "gradOut"), of(gradIn, "gradIn"));
    }

    public Provenance sigmoid(double[] x, double[] y) {
        return apply(Op.SIGMOID, of(x, "x"), of(y, "y"));
    }

    public Provenance derivative(double[] x, double[] d) {
        return apply(Op.DERIVATIVE, of(x, "x"), of(d, "d"));
    }

    public Provenance fused(double[] x, double[] y, double[] d) {
        return apply(Op.FUSED, of(x, "x"), of(y, "y"), of(d, "d"));
    }

    public Provenance backward(double[] x, double[] gradOut, double[] gradIn) {
        return apply(Op.BACKWARD, of(x, "x"), of(gradOut, "gradOut"), of(gradIn, "gradIn"));
    }

    public Provenance backwardFromOutput(double[] y, double[] gradOut, double[] gradIn) {
        return apply(Op.BACKWARD_FROM_OUTPUT, of(y, "y"), of(gradOut, "gradOut"), of(gradIn, "gradIn"));
    }

    public Provenance sigmoid(DeviceArray x, DeviceArray y) {
        return apply(Op.SIGMOID, of(x, "x"), of(y, "y"));
    }

    public Provenance derivative(DeviceArray x, DeviceArray d) {
        return apply(Op.DERIVATIVE, of(x, "x"), of(d, "d"));
    }

    public Provenance fused(DeviceArray x, DeviceArray y, DeviceArray d) {
        return apply(Op.FUSED, of(x, "x"), of(y, "y"), of(d, "d"));
    }

    public Provenance backward(DeviceArray x, DeviceArray gradOut, DeviceArray gradIn) {
        return apply(Op.BACKWARD, of(x, "x"), of(gradOut, "gradOut"), of(gradIn, "gradIn"));
    }

    public Provenance backwardFromOutput(DeviceArray y, DeviceArray gradOut, DeviceArray gradIn) {
        return apply(Op.BACKWARD_FROM_OUTPUT, of(y, "y"), of(gradOut, "gradOut"), of(gradIn, "gradIn"));
    }

    private static Operand of(float[] a, String name) {
        return Operand.of(Checks.notNull(a, name));
    }

    private static Operand of(double[] a, String name) {
        return Operand.of(Checks.notNull(a, name));
    }

    private static Operand of(DeviceArray a, String name) {
        return Operand.of(Checks.notNull(a, name));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this Sigmoid evaluator is closed");
        }
    }

    /**
     * Closes every backend. Device arrays still open are freed and reported: this throws
     * {@link IllegalStateException} naming each leaked array and where it was allocated, as Arrow's
     * allocators do.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        backends.close();
    }
}
