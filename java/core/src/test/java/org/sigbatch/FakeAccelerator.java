package org.sigbatch;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.sigbatch.reference.OpReference;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/**
 * A scriptable stand-in for a GPU backend (id {@code cuda}): computes the reference values element
 * by element in index order, and can fail after a number of elements, corrupt one element, or refuse
 * to open — to test the facade's selection, verification and fallback without hardware.
 */
final class FakeAccelerator implements Backend {
    /** Throw BackendFailure once this many elements are done (-1: never). */
    volatile long failAfter = -1;
    /** Write a wrong value at this index (-1: never). */
    volatile long corruptAt = -1;
    volatile long breakEven = 1000;
    final AtomicInteger calls = new AtomicInteger();
    /** What {@link #isWarm} says for float64 (float32: always warm). */
    volatile boolean warm64 = true;
    /** "op dtype length" of every call, in order. */
    final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    static BackendProvider provider(FakeAccelerator fake) {
        return new BackendProvider() {
            @Override public String id() { return "cuda"; }
            @Override public int rank() { return 20; }
            @Override public Backend open(Map<String, String> options) { return fake; }
        };
    }

    static BackendProvider unavailable(String reason) {
        return new BackendProvider() {
            @Override public String id() { return "cuda"; }
            @Override public int rank() { return 20; }
            @Override public Backend open(Map<String, String> options) { throw new BackendUnavailableException("cuda", reason); }
        };
    }

    static List<BackendProvider> with(BackendProvider p) {
        return List.of(new org.sigbatch.cpu.CpuBackendProvider(), p);
    }

    @Override public String id() { return "cuda"; }
    @Override public String device() { return "Fake GPU"; }
    @Override public boolean supports(Op op, DType dtype) { return true; }
    @Override public long breakEvenElements(Op op, DType dtype) { return breakEven; }
    @Override public boolean isWarm(DType dtype) { return dtype != DType.F64 || warm64; }

    @Override
    public Timings execute(Op op, Batch b) throws BackendFailure {
        calls.incrementAndGet();
        seen.add(op.label() + " " + b.dtype() + " " + b.length());
        for (int i = 0; i < b.length(); i++) {
            if (i == failAfter) {
                throw new BackendFailure("injected device failure", i, null);
            }
            double a = b.in(0).get(i);
            double g = op.inputs() > 1 ? b.in(1).get(i) : 0;
            for (int o = 0; o < op.outputs(); o++) {
                double v = b.dtype() == DType.F32 ? OpReference.f32(op, o, (float) a, (float) g) : OpReference.f64(op, o, a, g).value();
                if (i == corruptAt) {
                    v = v * 1.001 + 1e-30;
                }
                b.out(o).set(i, v);
            }
        }
        return new Timings(5, 7);
    }

    @Override public Map<String, String> describe() { return Map.of("name", "Fake GPU"); }
    @Override public void close() { }
}
