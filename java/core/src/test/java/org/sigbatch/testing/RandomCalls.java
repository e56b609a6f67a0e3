package org.sigbatch.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import java.util.Map;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;

/**
 * Runs {@link RandomCall}s on one backend of a {@link BackendContract} and checks what the contract
 * promises: results within the documented ULP bound of the reference, nothing written outside the
 * output windows (every storage is sentinel-filled around its window), inputs unchanged unless an
 * output overwrites them, and, with a failure injected at a chunk, every element right and a
 * provenance that names the fallback truthfully. Evaluators are kept per option set and closed by
 * {@link #close()}.
 */
final class RandomCalls implements AutoCloseable { // thread-safe: the soak shares one
    private static final int SAMPLE = 64; // the facade's default sample size
    private final BackendContract contract;
    private final Map<String, Sigmoid> evaluators = new ConcurrentHashMap<>(); // shared by the soak's threads
    /** Calls checked and elements compared, over this instance's life (reported by the suite). */
    final AtomicLong calls = new AtomicLong();
    final AtomicLong elements = new AtomicLong();

    RandomCalls(BackendContract contract) {
        this.contract = contract;
    }

    private Sigmoid evaluator(RandomCall c) {
        String key = c.verify() + "/" + c.failAt() + "/" + c.small();
        return evaluators.computeIfAbsent(key, k -> {
            Map<String, String> o = new HashMap<>(c.small() ? contract.smallChunks() : Map.of());
            if (c.failAt() >= 0) {
                o.put(contract.backend() + ".inject.failAtChunk", Integer.toString(c.failAt()));
            }
            Sigmoid.Builder b = contract.configure(Sigmoid.builder().backend(contract.backend()).verify(c.verify()));
            o.forEach(b::option);
            return b.build();
        });
    }

    void check(RandomCall c) {
        Op op = c.op();
        DType t = c.dtype();
        int n = c.n();
        Sigmoid s = evaluator(c);
        double[][] ins = {
            op == Op.BACKWARD_FROM_OUTPUT ? BackendContract.y(t, n, c.seed()) : BackendContract.inputs(t, n, c.seed()),
            op.inputs() > 1 ? BackendContract.grad(t, n, c.seed() + 1) : null};
        sprinkle(op, t, ins, c.seed());
        Storage.Slot[] slots = new Storage.Slot[4]; // x, gradOut, out0, out1
        List<Storage.Slot> open = new ArrayList<>();
        try {
            for (int i = 0; i < op.inputs(); i++) {
                slots[i] = c.storages().get(i).slot(s, t, c.offsets().get(i), ins[i]);
                open.add(slots[i]);
            }
            for (int k = 0; k < op.outputs(); k++) {
                int in = c.aliasedInput(k);
                if (in >= 0) {
                    slots[2 + k] = slots[in];
                } else {
                    slots[2 + k] = c.storages().get(2 + k).slot(s, t, c.offsets().get(2 + k), new double[n]);
                    open.add(slots[2 + k]);
                }
            }
            double[][] before = new double[2][];
            for (int i = 0; i < op.inputs(); i++) {
                before[i] = slots[i].readAll();
            }
            Provenance p;
            try {
                p = s.apply(op, op.operands(operand(slots[0]), operand(slots[1]), operand(slots[2]), operand(slots[3])));
            } catch (IllegalStateException e) {
                // device-resident data has no host copy to fall back on: the facade says so and loses nothing
                boolean device = c.storages().get(0) == Storage.DEVICE;
                if (!(device && c.failAt() == 0 && e.getMessage().contains("cannot fall back") && e.getMessage().contains("injected"))) {
                    throw e;
                }
                checkInputsIntact(c, slots, before, true);
                calls.incrementAndGet();
                return;
            }
            checkProvenance(c, p);
            for (int k = 0; k < op.outputs(); k++) {
                BackendContract.checkWindow(op, k, t, ins[0], ins[1] == null ? new double[n] : ins[1], slots[2 + k].readAll(),
                        slots[2 + k].offset, c + " output " + k);
            }
            checkInputsIntact(c, slots, before, false);
            calls.incrementAndGet();
            elements.addAndGet((long) n * op.outputs());
        } finally {
            open.forEach(Storage.Slot::close);
        }
    }

    /**
     * Pairs that the inputs' generators do not make: extreme gradOut (±Inf, ±MAX, huge, subnormal) at
     * extreme x (σ' far below the normal range, where g·σ' need not be), at about 1 element in 32.
     */
    private static void sprinkle(Op op, DType t, double[][] ins, long seed) {
        boolean f32 = t == DType.F32;
        double[] xs = f32 ? new double[] {88.7, -88.7, 103.5, -103.5, 120, -120, 200} : new double[] {709.5, -745.2, 800, -1000, 1400, -1500, 2000};
        double[] gs = f32 ? new double[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -0x1p100, 0x1p-140, -0f}
                : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MAX_VALUE, -0x1p1000, 1e300, Double.MIN_VALUE, -0.0};
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
        int n = ins[0].length;
        for (int i = 0; i < n; i++) {
            if (r.nextInt(32) != 0) {
                continue;
            }
            if (op != Op.BACKWARD_FROM_OUTPUT) {
                ins[0][i] = xs[r.nextInt(xs.length)];
            }
            if (ins[1] != null) {
                ins[1][i] = gs[r.nextInt(gs.length)];
            }
        }
    }

    private static org.sigbatch.Operand operand(Storage.Slot s) {
        return s == null ? null : s.operand();
    }

    /** Every input no output overwrites reads back bit for bit, its sentinels included. */
    private static void checkInputsIntact(RandomCall c, Storage.Slot[] slots, double[][] before, boolean all) {
        for (int i = 0; i < c.op().inputs(); i++) {
            boolean overwritten = false;
            for (int k = 0; k < c.op().outputs(); k++) {
                overwritten |= c.aliasedInput(k) == i;
            }
            if (overwritten && !all) {
                continue;
            }
            double[] after = slots[i].readAll();
            for (int j = 0; j < after.length; j++) {
                if (Double.doubleToRawLongBits(after[j]) != Double.doubleToRawLongBits(before[i][j])) {
                    fail(c + ": input " + c.op().inputName(i) + " changed at storage index " + j + " (" + before[i][j] + " -> " + after[j] + ")");
                }
            }
        }
    }

    /** Who produced what, as it happened: the backend, or the CPU after the injected chunk with the backend's drained prefix. */
    private void checkProvenance(RandomCall c, Provenance p) {
        String id = contract.backend();
        int n = c.n();
        assertEquals(c.op(), p.op(), c.toString());
        assertEquals(c.dtype(), p.dtype(), c.toString());
        assertEquals(n, p.elements(), c.toString());
        assertEquals(c.verify(), p.verification(), c.toString());
        long verified = c.verify() == VerifyPolicy.NONE ? 0 : c.verify() == VerifyPolicy.FULL ? n : Math.min(n, SAMPLE);
        assertEquals(verified, p.verifiedElements(), c + ": " + p);
        boolean device = c.storages().get(0) == Storage.DEVICE;
        boolean fails = !device && c.failAt() >= 0 && (long) c.failAt() * contract.chunkElements(c.dtype()) < n;
        if (fails) {
            assertTrue(p.fellBack(), c + ": " + p);
            assertEquals("cpu", p.backend(), c + ": " + p);
            assertEquals(id, p.fallbackFrom(), c + ": " + p);
            assertTrue(p.fallbackReason().contains("injected failure at chunk " + c.failAt()), c + ": " + p);
            long drained = (long) contract.chunkElements(c.dtype()) * Math.max(0, c.failAt() - contract.slots() + 1);
            assertEquals(drained, p.primaryElements(), c + ": the chunks drained before the failing kernel are the backend's: " + p);
        } else {
            assertFalse(p.fellBack(), c + ": " + p);
            assertEquals(id, p.backend(), c + ": " + p);
            assertNull(p.fallbackReason(), c + ": " + p);
            assertEquals(0, p.primaryElements(), c + ": " + p);
        }
    }

    @Override
    public void close() {
        List<RuntimeException> errors = new ArrayList<>();
        for (Sigmoid s : evaluators.values()) {
            try {
                s.close(); // a leaked device array fails here
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        evaluators.clear();
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
    }
}
