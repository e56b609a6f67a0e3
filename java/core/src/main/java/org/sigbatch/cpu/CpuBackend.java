package org.sigbatch.cpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.Operand;
import org.sigbatch.spi.Timings;

/**
 * The CPU backend: the fallback for every other backend and the engine for small batches. Splits
 * large batches into one contiguous range per thread (no thread hand-off below
 * {@link #PARALLEL_THRESHOLD} elements, where it costs as much as the work); runs the Vector API
 * kernels where the {@code jdk.incubator.vector} module is present, the scalar ones otherwise.
 *
 * <p>Until the JIT has compiled the Vector API kernels ({@link JitWarmup}, seconds after JVM start),
 * calls run in blocks of {@link #COLD_BLOCK} elements and each block takes the SIMD kernel if it is
 * warm by then, its stand-in (a bit-identical scalar twin where there is one) if not; the provenance
 * of such a call says so.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements a call runs on the caller's thread. */
    static final int PARALLEL_THRESHOLD = 1 << 16;
    /** How long {@link #warmUp()} waits at most for the JIT to finish trailing recompiles of warm kernels. */
    private static final long JIT_QUIET_CAP_MS = 1000;
    /** Staging block for operands that are not heap arrays (NIO buffers, device arrays). */
    static final int BLOCK = 1 << 12;
    /** While the SIMD kernels warm up, a call checks between blocks of this many elements whether they are ready. */
    static final int COLD_BLOCK = 1 << 16;

    private final int threads;
    private final Precision precision;
    private final String f32Reason;
    private final F32Kernels f32;
    private final F64Kernels f64;
    /**
     * The worker threads. A ThreadPoolExecutor, not a ForkJoinPool: it starts a thread per task until
     * it has {@code threads}, so the first large call already runs on all of them; a fresh
     * ForkJoinPool let one worker take both halves of that call (16M float32: 26-29 ms against 12 ms).
     */
    private final ThreadPoolExecutor pool;
    private final String device;
    private final JitWarmup warm32;
    private final JitWarmup warm64;
    private final F32Kernels cold32;
    private final F64Kernels cold64;
    /** What ran a call that the warm-up stand-ins took part in (built once, like {@link #device}). */
    private final Timings coldTimings;
    private volatile boolean settleJit = true;
    private final DeviceMemory memory = new DeviceMemory("cpu");
    /** float16 / bfloat16: the float64 kernels, rounded once (SIMD rounding once warm, scalar before). */
    private final HalfEngine half = new HalfEngine(Kernels.halfRounding(), true);
    private final HalfEngine coldHalf = new HalfEngine(HalfRounding.SCALAR);

    public CpuBackend(int threads, F32Kernels f32, F64Kernels f64) {
        this(threads, f32, f64, true);
    }

    /** @param warmUp whether to run stand-ins while the SIMD kernels warm up ({@code cpu.warmup=off}: SIMD from the first element) */
    public CpuBackend(int threads, F32Kernels f32, F64Kernels f64, boolean warmUp) {
        this(threads, Precision.ACCURATE, given(f32), f64, warmUp);
    }

    public CpuBackend(int threads, Precision precision, Kernels.F32Choice f32, F64Kernels f64) {
        this(threads, precision, f32, f64, true);
    }

    public CpuBackend(int threads, Precision precision, Kernels.F32Choice f32, F64Kernels f64, boolean warmUp) {
        this(threads, precision, f32, f64, warmUp ? JitWarmup.of(f32.kernels()) : JitWarmup.NONE, warmUp ? JitWarmup.of(f64) : JitWarmup.NONE);
    }

    /** {@code cpu.warmup.dtypes=f32} or {@code f64}: one family warms up in the background, the other's stand-ins compute its dtypes. */
    static CpuBackend warmingOnly(int threads, Precision precision, Kernels.F32Choice f32, F64Kernels f64, boolean f32Family) {
        String why = "cpu.warmup.dtypes=" + (f32Family ? "f32" : "f64");
        return new CpuBackend(threads, precision, f32, f64, f32Family ? JitWarmup.of(f32.kernels()) : JitWarmup.never(f32.kernels(), why),
                f32Family ? JitWarmup.never(f64, why) : JitWarmup.of(f64));
    }

    /** {@code cpu.warmup=never}: the stand-ins compute everything, no JIT warm-up thread. */
    static CpuBackend standInsOnly(int threads, Precision precision, Kernels.F32Choice f32, F64Kernels f64) {
        return new CpuBackend(threads, precision, f32, f64, JitWarmup.never(f32.kernels()), JitWarmup.never(f64));
    }

    CpuBackend(int threads, F32Kernels f32, F64Kernels f64, JitWarmup warm32, JitWarmup warm64) {
        this(threads, Precision.ACCURATE, given(f32), f64, warm32, warm64);
    }

    private static Kernels.F32Choice given(F32Kernels f32) {
        return new Kernels.F32Choice(f32, f32.name(), "given");
    }

    CpuBackend(int threads, Precision precision, Kernels.F32Choice f32, F64Kernels f64, JitWarmup warm32, JitWarmup warm64) {
        if (threads < 1) {
            throw new IllegalArgumentException("cpu threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.precision = precision;
        this.f32 = f32.kernels();
        this.f32Reason = f32.reason();
        this.f64 = f64;
        this.device = "cpu: " + threads + " thread" + (threads == 1 ? "" : "s") + ", " + precision.id() + ", f32 " + this.f32.name()
                + ", f64 " + f64.name();
        this.warm32 = warm32;
        this.warm64 = warm64;
        this.cold32 = warm32.isWarm() ? this.f32 : (F32Kernels) warm32.standIn();
        this.cold64 = warm64.isWarm() ? f64 : (F64Kernels) warm64.standIn();
        String note = (warm32 == JitWarmup.NONE ? "" : "f32 " + warm32.standInNote())
                + (warm32 != JitWarmup.NONE && warm64 != JitWarmup.NONE ? "; " : "")
                + (warm64 == JitWarmup.NONE ? "" : "f64 " + warm64.standInNote());
        this.coldTimings = new Timings(-1, -1, device + " (" + note + ")");
        AtomicInteger index = new AtomicInteger();
        this.pool = threads > 1 ? new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "sigbatch-cpu-" + index.getAndIncrement());
            t.setDaemon(true);
            return t;
        }) : null;
    }

    @Override
    public String id() {
        return "cpu";
    }

    @Override
    public String device() {
        return device; // built once: provenance asks for it on every call
    }

    public F32Kernels f32Kernels() {
        return f32;
    }

    public F64Kernels f64Kernels() {
        return f64;
    }

    public int threads() {
        return threads;
    }

    /** Blocks until the SIMD kernels are JIT-compiled (or given up on); see {@link JitWarmup}. */
    @Override
    public void warmUp() {
        warm32.await();
        warm64.await();
        if (settleJit && (warm32.compiles() || warm64.compiles())) {
            JitWarmup.awaitJitQuiet(JIT_QUIET_CAP_MS);
        }
        if (pool != null) {
            pool.prestartAllCoreThreads(); // the first call then does not start them
        }
    }

    /** {@code cpu.warmup.settle}: whether {@link #warmUp()} waits for the JIT's trailing recompiles too. */
    CpuBackend settleJit(boolean on) {
        this.settleJit = on;
        return this;
    }

    boolean settlesJit() {
        return settleJit;
    }

    /** True once calls of {@code dtype} run the SIMD kernels, not a stand-in (float16 and bfloat16 use the float64 ones). */
    @Override
    public boolean isWarm(DType dtype) {
        return (dtype == DType.F32 ? warm32 : warm64).isWarm();
    }

    public Precision precision() {
        return precision;
    }

    @Override
    public boolean supports(Op op, DType dtype) {
        return true;
    }

    @Override
    public long breakEvenElements(Op op, DType dtype) {
        return 0;
    }

    @Override
    public Timings execute(Op op, Batch batch) {
        batch.requireShape(op);
        int n = batch.length();
        if (n == 0) {
            return Timings.NONE;
        }
        int parts = (pool == null || n < PARALLEL_THRESHOLD) ? 1 : (int) Math.min(threads, n / (PARALLEL_THRESHOLD / 2));
        if (parts <= 1) {
            return runRange(op, batch) ? coldTimings : Timings.NONE;
        }
        List<Future<Boolean>> futures = new ArrayList<>(parts);
        // ranges aligned to 64 elements so that no two threads share a cache line of an output
        long per = ((long) n + parts - 1) / parts;
        per = (per + 63) & ~63L;
        for (long from = 0; from < n; from += per) {
            Batch part = batch.slice((int) from, (int) Math.min(per, n - from));
            futures.add(pool.submit(() -> runRange(op, part)));
        }
        boolean cold = false;
        for (Future<Boolean> f : futures) {
            try {
                cold |= f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the CPU backend was evaluating", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
        return cold ? coldTimings : Timings.NONE;
    }

    /** Evaluates a whole batch on the calling thread; true if a warm-up stand-in computed some of it. */
    boolean runRange(Op op, Batch b) {
        if (b.dtype().isHalf()) {
            boolean warm = warm64.isWarm();
            (warm ? half : coldHalf).run(op, b, warm ? f64 : cold64);
            return !warm;
        }
        if (allHeapArrays(b)) {
            return run(op, b, 0, b.length());
        }
        boolean cold = false;
        // stage through heap blocks: copy inputs in, compute, copy outputs out (in index order)
        Batch staged = stagingBatch(b);
        for (int from = 0; from < b.length(); from += BLOCK) {
            int len = Math.min(BLOCK, b.length() - from);
            for (int i = 0; i < b.inputs().size(); i++) {
                copyBlock(b.in(i), from, staged.in(i), len, true);
            }
            cold |= run(op, staged, 0, len);
            for (int i = 0; i < b.outputs().size(); i++) {
                copyBlock(b.out(i), from, staged.out(i), len, false);
            }
        }
        return cold;
    }

    /**
     * Runs elements [from, from+n) of heap-array operands with the SIMD kernels if they are warm, else
     * block by block, each with whichever is ready when it starts; true if a stand-in ran.
     */
    private boolean run(Op op, Batch b, int from, int n) {
        boolean f32Batch = b.dtype() == DType.F32;
        JitWarmup w = f32Batch ? warm32 : warm64;
        if (w.isWarm()) {
            runWith(op, b, from, n, f32, f64);
            return false;
        }
        boolean cold = false;
        for (int s = 0; s < n; s += COLD_BLOCK) {
            boolean warm = w.isWarm();
            runWith(op, b, from + s, Math.min(COLD_BLOCK, n - s), warm ? f32 : cold32, warm ? f64 : cold64);
            cold |= !warm;
        }
        return cold;
    }

    private static void runWith(Op op, Batch b, int from, int n, F32Kernels k32, F64Kernels k64) {
        if (b.dtype() == DType.F32) {
            runF32(k32, op, b, from, n);
        } else {
            runF64(k64, op, b, from, n);
        }
    }

    private static void copyBlock(Operand real, int from, Operand staged, int len, boolean in) {
        if (real.dtype() == DType.F32) {
            float[] a = ((Operand.F32Array) staged).array();
            if (in) {
                real.copyTo(from, len, a, 0);
            } else {
                real.copyFrom(from, len, a, 0);
            }
        } else {
            double[] a = ((Operand.F64Array) staged).array();
            if (in) {
                real.copyTo(from, len, a, 0);
            } else {
                real.copyFrom(from, len, a, 0);
            }
        }
    }

    private static Batch stagingBatch(Batch b) {
        List<Operand> ins = new ArrayList<>();
        List<Operand> outs = new ArrayList<>();
        for (int i = 0; i < b.inputs().size(); i++) {
            ins.add(scratch(b.dtype()));
        }
        for (int i = 0; i < b.outputs().size(); i++) {
            outs.add(scratch(b.dtype()));
        }
        return new Batch(b.dtype(), BLOCK, ins, outs);
    }

    private static Operand scratch(DType t) {
        return t == DType.F32 ? new Operand.F32Array(new float[BLOCK], 0, BLOCK) : new Operand.F64Array(new double[BLOCK], 0, BLOCK);
    }

    private static boolean allHeapArrays(Batch b) {
        for (Operand o : b.inputs()) {
            if (!(o instanceof Operand.F32Array || o instanceof Operand.F64Array)) {
                return false;
            }
        }
        for (Operand o : b.outputs()) {
            if (!(o instanceof Operand.F32Array || o instanceof Operand.F64Array)) {
                return false;
            }
        }
        return true;
    }

    private static void runF32(F32Kernels f32, Op op, Batch b, int from, int n) {
        var x = (Operand.F32Array) b.in(0);
        var o = (Operand.F32Array) b.out(0);
        switch (op) {
            case SIGMOID -> f32.sigmoid(x.array(), x.offset() + from, o.array(), o.offset() + from, n);
            case DERIVATIVE -> f32.derivative(x.array(), x.offset() + from, o.array(), o.offset() + from, n);
            case FUSED -> {
                var d = (Operand.F32Array) b.out(1);
                f32.fused(x.array(), x.offset() + from, o.array(), o.offset() + from, d.array(), d.offset() + from, n);
            }
            case BACKWARD -> {
                var g = (Operand.F32Array) b.in(1);
                f32.backward(x.array(), x.offset() + from, g.array(), g.offset() + from, o.array(), o.offset() + from, n);
            }
            case BACKWARD_FROM_OUTPUT -> {
                var g = (Operand.F32Array) b.in(1);
                f32.backwardFromOutput(x.array(), x.offset() + from, g.array(), g.offset() + from, o.array(), o.offset() + from, n);
            }
        }
    }

    private static void runF64(F64Kernels f64, Op op, Batch b, int from, int n) {
        var x = (Operand.F64Array) b.in(0);
        var o = (Operand.F64Array) b.out(0);
        switch (op) {
            case SIGMOID -> f64.sigmoid(x.array(), x.offset() + from, o.array(), o.offset() + from, n);
            case DERIVATIVE -> f64.derivative(x.array(), x.offset() + from, o.array(), o.offset() + from, n);
            case FUSED -> {
                var d = (Operand.F64Array) b.out(1);
                f64.fused(x.array(), x.offset() + from, o.array(), o.offset() + from, d.array(), d.offset() + from, n);
            }
            case BACKWARD -> {
                var g = (Operand.F64Array) b.in(1);
                f64.backward(x.array(), x.offset() + from, g.array(), g.offset() + from, o.array(), o.offset() + from, n);
            }
            case BACKWARD_FROM_OUTPUT -> {
                var g = (Operand.F64Array) b.in(1);
                f64.backwardFromOutput(x.array(), x.offset() + from, g.array(), g.offset() + from, o.array(), o.offset() + from, n);
            }
        }
    }

    @Override
    public org.sigbatch.DeviceArray allocate(DType dtype, int length) {
        memory.checkAllocation(dtype, length);
        return new HeapArray(memory, dtype, length);
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("threads", Integer.toString(threads));
        m.put("precision", precision.id());
        m.put("float32 kernels", f32.name() + " (" + f32Reason + ")");
        m.put("float64 kernels", f64.name());
        m.put("float16/bfloat16 kernels", f64.name() + ", " + half.name());
        if (warm32 != JitWarmup.NONE) {
            m.put("float32 JIT warm-up", warm32.status());
        }
        if (warm64 != JitWarmup.NONE) {
            m.put("float64 JIT warm-up", warm64.status());
        }
        m.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        return m;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
        List<String> leaked = memory.close();
        if (!leaked.isEmpty()) {
            throw DeviceMemory.leak("cpu backend", leaked);
        }
    }
}
