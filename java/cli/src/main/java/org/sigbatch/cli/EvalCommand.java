package org.sigbatch.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;
import org.sigbatch.cli.npy.Npy;
import org.sigbatch.cli.npy.NpyHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sigbatch eval}: applies an op to .npy files, streaming them through in chunks so that files
 * larger than memory work. Outputs keep the input's dtype, shape and memory order and appear only
 * when complete (written under a temporary name, then renamed).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate an op element-wise over .npy arrays (float32 '<f4' or float64 '<f8', any shape).",
                "  sigmoid, derivative: --in X --out Y",
                "  fused:               --in X --out Y --out2 D   (Y = σ(X), D = σ'(X))",
                "  backward:            --in X --grad G --out GI  (GI = G·σ'(X))",
                "  backward-from-output: --in Y --grad G --out GI (GI = G·Y·(1−Y))"})
final class EvalCommand extends BaseCommand {
    @Option(names = "--op", required = true, paramLabel = "OP", converter = Converters.OpConverter.class,
            description = "sigmoid, derivative, fused, backward or backward-from-output.")
    Op op;

    @Option(names = "--in", required = true, paramLabel = "X.npy", description = "Input array (x; y for backward-from-output).")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "Y.npy", description = "Output array (replaced only on success).")
    Path outFile;

    @Option(names = "--out2", paramLabel = "D.npy", description = "Second output of fused: σ'(x).")
    Path out2File;

    @Option(names = "--grad", paramLabel = "G.npy", description = "Upstream gradient for backward and backward-from-output (same shape and dtype as --in).")
    Path grad;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "B", converter = Converters.BackendConverter.class,
            description = "auto, cpu, opencl or cuda (default: ${DEFAULT-VALUE}). An unavailable explicit backend exits with code 3.")
    BackendKind backend;

    @Option(names = "--verify", defaultValue = "none", paramLabel = "V", converter = Converters.VerifyConverter.class,
            description = "none, sample or full: recompute a sample (per chunk) or every element on the CPU reference; a disagreement exits with code 4 (default: ${DEFAULT-VALUE}).")
    VerifyPolicy verify;

    @Option(names = "--chunk", defaultValue = "4M", paramLabel = "N", converter = Converters.SizeConverter.class,
            description = "Elements per chunk streamed through memory (default: ${DEFAULT-VALUE}; binary suffixes K, M, G).")
    long chunk;

    @Override
    int run() throws IOException {
        checkOptions();
        NpyHeader hx = Npy.readHeader(in);
        NpyHeader hg = null;
        if (grad != null) {
            hg = Npy.readHeader(grad);
            if (!hx.sameShape(hg)) {
                throw new UserError("shape mismatch: --in " + in + " has shape " + hx.shapeString() + " but --grad " + grad + " has shape " + hg.shapeString());
            }
            if (hx.dtype() != hg.dtype()) {
                throw new UserError("dtype mismatch: --in " + in + " is " + hx.dtype() + " but --grad " + grad + " is " + hg.dtype());
            }
            if (!hx.sameElementOrder(hg)) {
                throw new UserError("memory order mismatch: --in " + in + " is " + (hx.fortranOrder() ? "Fortran" : "C")
                        + " order but --grad " + grad + " is " + (hg.fortranOrder() ? "Fortran" : "C") + " order; save both with the same order");
            }
        }
        AtomicOutput.checkWritable(outFile, "--out");
        if (out2File != null) {
            AtomicOutput.checkWritable(out2File, "--out2");
        }
        int chunkElems = (int) Math.min(chunk, Sizes.MAX_ARRAY / 8);
        try (Sigmoid s = open(backend, verify)) {
            Summary sum = stream(s, hx, hg, chunkElems);
            report(s, hx, sum);
        }
        return ExitCodes.OK;
    }

    private void checkOptions() {
        boolean needsGrad = op == Op.BACKWARD || op == Op.BACKWARD_FROM_OUTPUT;
        if (needsGrad && grad == null) {
            throw new UserError("--grad G.npy is required for --op " + op.label());
        }
        if (!needsGrad && grad != null) {
            throw new UserError("--grad is only used by --op backward and backward-from-output, not " + op.label());
        }
        if (op == Op.FUSED && out2File == null) {
            throw new UserError("--out2 D.npy is required for --op fused (it receives σ'(x))");
        }
        if (op != Op.FUSED && out2File != null) {
            throw new UserError("--out2 is only used by --op fused, not " + op.label());
        }
        if (out2File != null && out2File.toAbsolutePath().normalize().equals(outFile.toAbsolutePath().normalize())) {
            throw new UserError("--out and --out2 name the same file " + outFile);
        }
    }

    /** What the chunks ran on. */
    static final class Summary {
        long elements;
        int chunks;
        long computeNanos;
        long wallNanos;
        long verified;
        long transferNanos;
        long kernelNanos;
        final Set<String> producers = new LinkedHashSet<>();
        final List<String> fallbacks = new ArrayList<>();
    }

    private Summary stream(Sigmoid s, NpyHeader hx, NpyHeader hg, int chunkElems) throws IOException {
        long t0 = System.nanoTime();
        DType t = hx.dtype();
        int bytes = t.bytes();
        long count = hx.count();
        int cap = (int) Math.max(1, Math.min(chunkElems, count));
        Summary sum = new Summary();
        byte[] header = Npy.header(t, hx.shape(), hx.fortranOrder());
        try (FileChannel cx = FileChannel.open(in, StandardOpenOption.READ);
             FileChannel cg = grad == null ? null : FileChannel.open(grad, StandardOpenOption.READ);
             AtomicOutput o1 = AtomicOutput.open(outFile, "--out");
             AtomicOutput o2 = out2File == null ? null : AtomicOutput.open(out2File, "--out2");
             Progress bar = Progress.of(showProgress() && count > 0, op.label(), count, " Melem", 1_000_000)) {
            writeAll(o1.channel(), ByteBuffer.wrap(header));
            if (o2 != null) {
                writeAll(o2.channel(), ByteBuffer.wrap(header));
            }
            ByteBuffer bx = ByteBuffer.allocateDirect(cap * bytes).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer bg = cg == null ? null : ByteBuffer.allocateDirect(cap * bytes).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer b1 = ByteBuffer.allocateDirect(cap * bytes).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer b2 = o2 == null ? null : ByteBuffer.allocateDirect(cap * bytes).order(ByteOrder.LITTLE_ENDIAN);
            Arrays a = new Arrays(t, cap, cg != null, o2 != null);
            for (long done = 0; done < count; ) {
                int n = (int) Math.min(cap, count - done);
                read(cx, bx, n * bytes, hx.dataOffset() + done * bytes, in);
                if (cg != null) {
                    read(cg, bg, n * bytes, hg.dataOffset() + done * bytes, grad);
                }
                a.load(bx, bg, n);
                long c0 = System.nanoTime();
                Provenance p = a.apply(s, op, n);
                sum.computeNanos += System.nanoTime() - c0;
                a.store(b1, b2, n);
                writeAll(o1.channel(), b1);
                if (o2 != null) {
                    writeAll(o2.channel(), b2);
                }
                note(sum, p, done);
                done += n;
                sum.elements = done;
                bar.step(n);
            }
            o1.commit();
            if (o2 != null) {
                o2.commit();
            }
        }
        sum.wallNanos = System.nanoTime() - t0;
        return sum;
    }

    private void note(Summary sum, Provenance p, long offset) {
        sum.chunks++;
        sum.producers.add(p.backend() + " [" + p.device() + "]");
        sum.verified += p.verifiedElements();
        if (p.transferNanos() >= 0) {
            sum.transferNanos += p.transferNanos();
        }
        if (p.kernelNanos() >= 0) {
            sum.kernelNanos += p.kernelNanos();
        }
        if (p.fellBack()) {
            String f = "FALLBACK: " + p.fallbackFrom() + " failed after element " + (offset + p.primaryElements())
                    + ", the CPU computed elements " + (offset + p.primaryElements()) + ".." + (offset + p.elements() - 1) + ": " + p.fallbackReason();
            sum.fallbacks.add(f);
            err().println(name() + ": " + Main.oneLine(f)); // always shown: a fallback must never pass silently
        }
        if (verbose) {
            err().println(name() + ": chunk at " + offset + ": " + p);
        }
    }

    private void report(Sigmoid s, NpyHeader hx, Summary sum) {
        if (quiet) {
            return;
        }
        String on;
        if (sum.producers.isEmpty()) {
            String id = s.choose(op, hx.dtype(), 0);
            on = id + " [" + s.deviceName(id) + "]";
        } else {
            on = String.join(" + ", sum.producers);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(op.label()).append(' ').append(hx.dtype()).append(' ').append(hx.shapeString()).append(' ')
                .append(sum.elements).append(" elements on ").append(on);
        if (sum.elements == 0) {
            sb.append(" (empty: nothing to compute)");
        } else {
            sb.append(String.format(Locale.ROOT, "; %d chunk%s, compute %.3f s (%.1f Melem/s), total %.3f s", sum.chunks, sum.chunks == 1 ? "" : "s",
                    sum.computeNanos / 1e9, sum.elements / (sum.computeNanos / 1e3), sum.wallNanos / 1e9));
            if (sum.transferNanos > 0 || sum.kernelNanos > 0) {
                sb.append(String.format(Locale.ROOT, " (transfer %.3f s, kernel %.3f s)", sum.transferNanos / 1e9, sum.kernelNanos / 1e9));
            }
        }
        sb.append(sum.fallbacks.isEmpty() ? "; no fallback" : "; " + sum.fallbacks.size() + " chunk(s) FELL BACK to the CPU");
        if (verify != VerifyPolicy.NONE) {
            sb.append("; verified ").append(sum.verified).append(" elements (").append(verify.name().toLowerCase(Locale.ROOT)).append(")");
        }
        sb.append("; wrote ").append(outFile).append(out2File == null ? "" : " and " + out2File);
        info(sb.toString());
    }

    private static void read(FileChannel ch, ByteBuffer b, int len, long pos, Path file) throws IOException {
        b.clear().limit(len);
        int got = Npy.readFully(ch, b, pos);
        if (got < len) {
            throw new UserError(file + ": truncated data: the file ended at byte " + (pos + got) + " while reading (did it change during the run?)");
        }
        b.flip();
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Heap arrays for one chunk: the facade reads heap arrays directly on the CPU. */
    private static final class Arrays {
        final DType t;
        float[] fx;
        float[] fg;
        float[] f1;
        float[] f2;
        double[] dx;
        double[] dg;
        double[] d1;
        double[] d2;

        Arrays(DType t, int n, boolean grad, boolean two) {
            this.t = t;
            if (t == DType.F32) {
                fx = new float[n];
                fg = grad ? new float[n] : null;
                f1 = new float[n];
                f2 = two ? new float[n] : null;
            } else {
                dx = new double[n];
                dg = grad ? new double[n] : null;
                d1 = new double[n];
                d2 = two ? new double[n] : null;
            }
        }

        void load(ByteBuffer bx, ByteBuffer bg, int n) {
            if (t == DType.F32) {
                bx.asFloatBuffer().get(fx, 0, n);
                if (bg != null) {
                    bg.asFloatBuffer().get(fg, 0, n);
                }
            } else {
                bx.asDoubleBuffer().get(dx, 0, n);
                if (bg != null) {
                    bg.asDoubleBuffer().get(dg, 0, n);
                }
            }
        }

        void store(ByteBuffer b1, ByteBuffer b2, int n) {
            int len = n * t.bytes();
            b1.clear().limit(len);
            if (b2 != null) {
                b2.clear().limit(len);
            }
            if (t == DType.F32) {
                b1.asFloatBuffer().put(f1, 0, n);
                if (b2 != null) {
                    b2.asFloatBuffer().put(f2, 0, n);
                }
            } else {
                b1.asDoubleBuffer().put(d1, 0, n);
                if (b2 != null) {
                    b2.asDoubleBuffer().put(d2, 0, n);
                }
            }
        }

        Provenance apply(Sigmoid s, Op op, int n) {
            if (t == DType.F32) {
                return s.apply(op, op.operands(window(fx, n), window(fg, n), window(f1, n), window(f2, n)));
            }
            return s.apply(op, op.operands(window(dx, n), window(dg, n), window(d1, n), window(d2, n)));
        }

        /** The first n elements, or null for an array this op does not use. */
        private static Operand window(float[] a, int n) {
            return a == null ? null : Operand.of(a, 0, n);
        }

        private static Operand window(double[] a, int n) {
            return a == null ? null : Operand.of(a, 0, n);
        }
    }
}
