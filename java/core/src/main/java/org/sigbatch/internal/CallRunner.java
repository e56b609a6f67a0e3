package org.sigbatch.internal;

import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.VerifyPolicy;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.Timings;

/**
 * The one path every evaluation takes: checks the operands (count, nulls, lengths, dtypes,
 * writability, closed arrays, aliasing), picks the backend, runs it, completes the batch on the CPU
 * after a mid-call failure (loudly, losing nothing), verifies against the reference as configured,
 * and says in the {@link Provenance} who produced what.
 */
public final class CallRunner {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");

    private final BackendRegistry backends;
    private final VerifyPolicy verify;
    private final Precision precision;
    private final int sampleSize;
    private final AtomicLong seed = new AtomicLong(0x5EED);

    public CallRunner(BackendRegistry backends, VerifyPolicy verify, Precision precision, int sampleSize) {
        this.backends = backends;
        this.verify = verify;
        this.precision = precision;
        this.sampleSize = sampleSize;
    }

    /** Evaluates {@code op}; {@code operands} are its inputs, then its outputs. */
    public Provenance run(Op op, Operand[] operands) {
        Batch batch = batch(op, operands);
        DType dtype = batch.dtype();
        int n = batch.length();
        String owner = batch.deviceBackend();
        Backend primary = backends.select(op, dtype, n, owner);
        Backend cpu = backends.cpu();

        Verifier.Snapshot snap = verify == VerifyPolicy.NONE ? Verifier.Snapshot.EMPTY
                : Verifier.capture(verify, batch, sampleSize, new SplittableRandom(seed.getAndIncrement()));
        long t0 = System.nanoTime();
        Timings timings;
        String fallbackFrom = null;
        String fallbackReason = null;
        long primaryDone = 0;
        Backend producer = primary;
        try {
            timings = primary.execute(op, batch);
        } catch (BackendFailure f) {
            if (primary == cpu || owner != null) {
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
        String device = timings.device() != null ? timings.device() : producer.device();
        return new Provenance(producer.id(), device, op, dtype, n, fallbackFrom, fallbackReason, primaryDone,
                verify, snap.size(), nanos, timings.transferNanos(), timings.kernelNanos(), precision);
    }

    /** Elements of {@link #warmCallPath}'s calls: two of the CPU backend's parallel parts, so its thread pool path runs too. */
    public static final int CALL_PATH_WARMUP = 1 << 17;

    /**
     * One σ call of {@link #CALL_PATH_WARMUP} elements per heap dtype family through this whole path (checks, batch,
     * the backend's split over its threads, verification, provenance), on the backend a call of that size would use,
     * where that backend is warm for the dtype (else its stand-in would run, not the path a warm call takes). Why: the
     * first use of the path loads and links about 40 classes and lambdas, 5–7 ms that a caller's first call would
     * otherwise pay on top of its work (measured on a 2 vCPU Xeon, JDK 25).
     */
    public void warmCallPath() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            if (backends.select(Op.SIGMOID, dtype, CALL_PATH_WARMUP, null).isWarm(dtype)) {
                Operand x = dtype == DType.F32 ? Operand.of(new float[CALL_PATH_WARMUP]) : Operand.of(new double[CALL_PATH_WARMUP]);
                Operand y = dtype == DType.F32 ? Operand.of(new float[CALL_PATH_WARMUP]) : Operand.of(new double[CALL_PATH_WARMUP]);
                run(Op.SIGMOID, new Operand[] {x, y});
            }
        }
    }

    /** The checked batch; each message names the operand by its role ({@code x}, {@code gradOut}, {@code d}, ...). */
    static Batch batch(Op op, Operand[] operands) {
        Checks.notNull(op, "op");
        Checks.notNull(operands, "operands");
        int count = op.inputs() + op.outputs();
        if (operands.length != count) {
            String[] names = new String[count];
            for (int i = 0; i < count; i++) {
                names[i] = op.operandName(i);
            }
            throw new IllegalArgumentException(op.label() + " takes " + count + " operands (" + String.join(", ", names)
                    + "), got " + operands.length);
        }
        for (int i = 0; i < count; i++) {
            Checks.notNull(operands[i], op.operandName(i));
        }
        Operand first = operands[0];
        for (int i = 0; i < count; i++) {
            Operand o = operands[i];
            String name = op.operandName(i);
            if (o.length() != first.length()) {
                throw new IllegalArgumentException(op.operandName(0) + " has " + first.length() + " elements but " + name + " has " + o.length());
            }
            if (o.dtype() != first.dtype()) {
                throw new IllegalArgumentException(op.label() + ": all operands must be " + first.dtype() + ", got a " + o.dtype() + " operand");
            }
            if (o instanceof Operand.Device d && d.array().isClosed()) {
                throw new IllegalStateException(name + " is a closed device array");
            }
            if (i >= op.inputs() && !o.writable()) {
                throw new IllegalArgumentException(name + " is a read-only buffer and cannot take results");
            }
        }
        Operand[] ins = Arrays.copyOfRange(operands, 0, op.inputs());
        Operand[] outs = Arrays.copyOfRange(operands, op.inputs(), count);
        checkAliasing(op, ins, outs);
        return new Batch(first.dtype(), first.length(), Arrays.asList(ins), Arrays.asList(outs));
    }

    /** Outputs may be exactly an input (in-place) but may not partially overlap an input or each other. */
    private static void checkAliasing(Op op, Operand[] ins, Operand[] outs) {
        for (int i = 0; i < outs.length; i++) {
            for (Operand in : ins) {
                if (outs[i].overlaps(in) && !outs[i].sameWindow(in)) {
                    throw new IllegalArgumentException(op.label() + ": output " + op.outputName(i)
                            + " partially overlaps an input; use the same window (in-place) or separate storage");
                }
            }
            for (int j = i + 1; j < outs.length; j++) {
                if (outs[i].overlaps(outs[j])) {
                    throw new IllegalArgumentException(op.label() + ": outputs " + op.outputName(i) + " and " + op.outputName(j)
                            + " overlap; they need separate storage");
                }
            }
        }
    }
}
