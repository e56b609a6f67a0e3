package org.sigbatch.cpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Operand;
import org.sigbatch.spi.Timings;

/**
 * The CPU backend: the fallback for every other backend and the engine for small batches. Splits
 * large batches into one contiguous range per thread (no thread hand-off below
 * {@link #PARALLEL_THRESHOLD} elements, where it costs as much as the work); runs the Vector API
 * kernels where the {@code jdk.incubator.vector} module is present, the scalar ones otherwise.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements a call runs on the caller's thread. */
    static final int PARALLEL_THRESHOLD = 1 << 16;
    /** Staging block for operands that are not heap arrays (NIO buffers, device arrays). */
    private static final int BLOCK = 1 << 12;

    private final int threads;
    private final Precision precision;
    private final String f32Reason;
    private final F32Kernels f32;
    private final F64Kernels f64;
    private final ForkJoinPool pool;
    private final String device;

    public CpuBackend(int threads, F32Kernels f32, F64Kernels f64) {
        this(threads, Precision.ACCURATE, new Kernels.F32Choice(f32, f32.name(), "given"), f64);
    }

    public CpuBackend(int threads, Precision precision, Kernels.F32Choice f32, F64Kernels f64) {
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
        this.pool = threads > 1 ? new ForkJoinPool(threads, p -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("sigbatch-cpu-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false) : null;
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
            runRange(op, batch);
            return Timings.NONE;
        }
        List<Future<?>> futures = new ArrayList<>(parts);
        // ranges aligned to 64 elements so that no two threads share a cache line of an output
        long per = ((long) n + parts - 1) / parts;
        per = (per + 63) & ~63L;
        for (long from = 0; from < n; from += per) {
            Batch part = batch.slice((int) from, (int) Math.min(per, n - from));
            futures.add(pool.submit(() -> runRange(op, part)));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
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
        return Timings.NONE;
    }

    /** Evaluates a whole batch on the calling thread. */
    void runRange(Op op, Batch b) {
        if (allHeapArrays(b)) {
            if (b.dtype() == DType.F32) {
                runF32(op, b, 0, b.length());
            } else {
                runF64(op, b, 0, b.length());
            }
            return;
        }
        // stage through heap blocks: copy inputs in, compute, copy outputs out (in index order)
        Batch staged = stagingBatch(b);
        for (int from = 0; from < b.length(); from += BLOCK) {
            int len = Math.min(BLOCK, b.length() - from);
            for (int i = 0; i < b.inputs().size(); i++) {
                copyBlock(b.in(i), from, staged.in(i), len, true);
            }
            if (b.dtype() == DType.F32) {
                runF32(op, staged, 0, len);
            } else {
                runF64(op, staged, 0, len);
            }
            for (int i = 0; i < b.outputs().size(); i++) {
                copyBlock(b.out(i), from, staged.out(i), len, false);
            }
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

    private void runF32(Op op, Batch b, int from, int n) {
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

    private void runF64(Op op, Batch b, int from, int n) {
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
        return new HeapArray(dtype, length);
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("threads", Integer.toString(threads));
        m.put("precision", precision.id());
        m.put("float32 kernels", f32.name() + " (" + f32Reason + ")");
        m.put("float64 kernels", f64.name());
        m.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        return m;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
