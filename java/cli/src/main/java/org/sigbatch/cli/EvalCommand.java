package org.sigbatch.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;
import org.sigbatch.spi.StartupTrace;
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
        description = {"Evaluate an op element-wise over .npy arrays (float32 '<f4', float64 '<f8', float16 '<f2' or bfloat16 "
                + "'<V2' / 'bfloat16' / '<u2' with --dtype bf16; any shape). 16-bit results are correctly rounded.",
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

    /** Defaults, shared with {@link EvalFastPath} so that both parsers start from the same values. */
    static final String DEFAULT_BACKEND = "auto";
    static final String DEFAULT_VERIFY = "none";
    static final String DEFAULT_CHUNK = "4M";
    static final String DEFAULT_WRITE_MODE = "auto";

    @Option(names = "--backend", defaultValue = DEFAULT_BACKEND, paramLabel = "B", converter = Converters.BackendConverter.class,
            description = "auto, cpu, opencl or cuda (default: ${DEFAULT-VALUE}). An unavailable explicit backend exits with code 3.")
    BackendKind backend;

    @Option(names = "--verify", defaultValue = DEFAULT_VERIFY, paramLabel = "V", converter = Converters.VerifyConverter.class,
            description = "none, sample or full: recompute a sample (per chunk) or every element on the CPU reference; a disagreement exits with code 4 (default: ${DEFAULT-VALUE}).")
    VerifyPolicy verify;

    @Option(names = "--dtype", paramLabel = "T",
            description = "Element type the inputs must have: f32, f64, f16 or bf16 (default: the file's). Needed for raw '<u2' files "
                    + "(16-bit patterns): --dtype bf16 or f16. '<f2' is float16; bfloat16 comes as '<V2' (ml_dtypes through np.save) or 'bfloat16'.")
    String dtype;

    @Option(names = "--chunk", defaultValue = DEFAULT_CHUNK, paramLabel = "N", converter = Converters.SizeConverter.class,
            description = "Elements per chunk streamed through memory (default: ${DEFAULT-VALUE}; binary suffixes K, M, G).")
    long chunk;

    @Option(names = "--write-mode", defaultValue = DEFAULT_WRITE_MODE, paramLabel = "M", converter = Converters.WriteModeConverter.class,
            description = "How outputs are written: auto (O_DIRECT for outputs of 64 MiB and more, where the file system supports it: "
                    + "no page-cache copy), direct (O_DIRECT where supported) or buffered (through the page cache). Default: ${DEFAULT-VALUE}.")
    ChunkSink.WriteMode writeMode;

    /** From this many elements eval waits for the CPU's JIT warm-up (~1–2 s of one core) and runs SIMD from the first chunk. */
    static final long WARMUP_MIN = 128L << 20;

    @Override
    int run() throws IOException {
        StartupTrace.mark("eval parsed");
        checkOptions();
        DType want = dtype == null ? null : parseDType(dtype);
        NpyHeader hx = resolve(Npy.readHeader(in), want, "--in", in);
        NpyHeader hg = null;
        if (grad != null) {
            hg = resolve(Npy.readHeader(grad), want, "--grad", grad);
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
        if (hx.count() >= WARMUP_MIN && defaultCpuKernels()) {
            Sigmoid.startWarmUp(hx.dtype()); // ~0.1 s before open() would start it: eval waits for it before the first chunk
        }
        AtomicOutput.checkWritable(outFile, "--out");
        if (out2File != null) {
            AtomicOutput.checkWritable(out2File, "--out2");
        }
        for (Path o : out2File == null ? List.of(outFile) : List.of(outFile, out2File)) {
            String w = AtomicOutput.leftoverWarning(o);
            if (w != null) {
                err().println(name() + ": " + Main.oneLine(w)); // even with --quiet: it may be gigabytes
            }
        }
        int chunkElems = (int) Math.min(chunk, Sizes.MAX_ARRAY / 8);
        // below WARMUP_MIN elements the CPU's JIT warm-up would cost more than it saves: the SIMD kernel's
        // scalar twin (same bits) computes everything; from there on the first chunk waits for the warm-up
        boolean small = hx.count() < WARMUP_MIN;
        // one dtype per run: only its kernel family warms up (the other's warm-up took the JIT and a core: 0.5 -> 0.2 s before the first chunk);
        // no wait for the JIT's trailing recompiles: the reader and writer overlap them, and the wait cost 0.2 s before the first chunk
        String family = hx.dtype() == DType.F32 ? "f32" : "f64";
        try (Sigmoid s = open(backend, verify, small ? Map.of("cpu.warmup", "never") : Map.of("cpu.warmup.dtypes", family, "cpu.warmup.settle", "none"))) {
            StartupTrace.mark("evaluator open");
            Summary sum = stream(s, hx, hg, chunkElems);
            StartupTrace.mark("streamed and committed");
            report(s, hx, sum);
        }
        StartupTrace.mark("evaluator closed");
        return ExitCodes.OK;
    }

    /**
     * Whether the CPU would run the default kernels that {@link Sigmoid#startWarmUp()} warms: no precision
     * or CPU option anywhere (option, -D, environment), and a backend that may be the CPU.
     */
    private boolean defaultCpuKernels() {
        if (backend != BackendKind.AUTO && backend != BackendKind.CPU) {
            return false;
        }
        for (String k : backendOptions.keySet()) {
            if (k.equals("precision") || k.startsWith("cpu.")) {
                return false;
            }
        }
        for (String k : System.getProperties().stringPropertyNames()) {
            if (k.equals("sigbatch.precision") || k.startsWith("sigbatch.cpu.")) {
                return false;
            }
        }
        return System.getenv("SIGBATCH_PRECISION") == null;
    }

    /** f32, f64, f16 or bf16 (and their long names). */
    static DType parseDType(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.F32;
            case "f64", "float64" -> DType.F64;
            case "f16", "float16", "half" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new UserError("unknown --dtype '" + s + "' (expected f32, f64, f16 or bf16)");
        };
    }

    /** The header as the op will read it: raw '<u2' takes --dtype; any other file must already be of that dtype. */
    static NpyHeader resolve(NpyHeader h, DType want, String option, Path file) {
        if (h.raw16()) {
            if (want == null || !want.isHalf()) {
                throw new UserError(option + " " + file + " holds raw 16-bit integers ('<u2'): say --dtype bf16 or --dtype f16 "
                        + "to read them as bfloat16 or float16 bit patterns");
            }
            return h.as(want);
        }
        if (want == null || want == h.dtype()) {
            return h;
        }
        if (h.dtype() == DType.F16 && want == DType.BF16) {
            throw new UserError(option + " " + file + " is float16 ('<f2'), not bfloat16: --dtype bf16 reads ml_dtypes bfloat16 ('<V2'), "
                    + "'bfloat16' or raw '<u2' files; drop --dtype to compute in float16");
        }
        if (want.isHalf() && h.dtype().bytes() > want.bytes()) {
            throw new UserError(option + " " + file + " is " + h.dtype() + " but --dtype is " + want + ": sigbatch does not round a "
                    + h.dtype() + " input to 16 bits implicitly; convert the file first (e.g. a.astype('<f2')) or drop --dtype");
        }
        throw new UserError(option + " " + file + " is " + h.dtype() + " (" + h.descr() + "), not " + want + " as --dtype says");
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
        EvalPipeline.Times times;
        long computeNanos;
        long wallNanos;
        long verified;
        long transferNanos;
        long kernelNanos;
        final Set<String> producers = new LinkedHashSet<>();
        final List<String> fallbacks = new ArrayList<>();
        List<String> writeModes = List.of();
    }

    private Summary stream(Sigmoid s, NpyHeader hx, NpyHeader hg, int chunkElems) throws IOException {
        long t0 = System.nanoTime();
        DType t = hx.dtype();
        int bytes = t.bytes();
        long count = hx.count();
        int inputs = grad == null ? 1 : 2;
        int cap = fitChunk((int) Math.max(1, Math.min(chunkElems, count)), bytes, inputs);
        StartupTrace.mark("chunk fitted to direct memory");
        Summary sum = new Summary();
        byte[] header = Npy.header(hx.descr(), hx.shape(), hx.fortranOrder()); // bfloat16 keeps the input's convention
        try (FileChannel cx = FileChannel.open(in, StandardOpenOption.READ);
             FileChannel cg = grad == null ? null : FileChannel.open(grad, StandardOpenOption.READ);
             AtomicOutput o1 = AtomicOutput.open(outFile, "--out");
             AtomicOutput o2 = out2File == null ? null : AtomicOutput.open(out2File, "--out2");
             Progress bar = Progress.of(showProgress() && count > 0, op.label(), count, " Melem", 1_000_000)) {
            long dataBytes = count * bytes;
            ChunkSink s1 = ChunkSink.open(o1, header, dataBytes, writeMode);
            ChunkSink[] sinks = o2 == null ? new ChunkSink[] {s1} : new ChunkSink[] {s1, ChunkSink.open(o2, header, dataBytes, writeMode)};
            sum.writeModes = java.util.Arrays.stream(sinks).map(ChunkSink::mode).distinct().toList();
            StartupTrace.mark("files open");
            EvalPipeline.Io io = new EvalPipeline.Io() {
                @Override
                public void read(int i, long first, int n, ByteBuffer dst) throws IOException {
                    EvalCommand.read(i == 0 ? cx : cg, dst, (i == 0 ? hx : hg).dataOffset() + first * bytes, i == 0 ? in : grad);
                }

                @Override
                public ChunkSink[] sinks() {
                    return sinks;
                }
            };
            // wait for the JIT (reading goes on meanwhile) only where the CPU computes and the warm-up pays
            Runnable prepare = count >= WARMUP_MIN && s.choose(op, t, cap).equals("cpu") ? s::warmUp : () -> { };
            EvalPipeline.Times times = new EvalPipeline(bytes, inputs, o2 != null, count, cap).run(io, prepare, slot -> {
                if (slot.first == 0) {
                    StartupTrace.mark("first chunk read");
                }
                Provenance p = apply(s, t, slot);
                note(sum, p, slot.first);
                sum.elements = slot.first + slot.n;
                bar.step(slot.n);
            });
            sum.times = times;
            o1.commit();
            if (o2 != null) {
                o2.commit();
            }
        }
        sum.computeNanos = sum.times.compute();
        sum.wallNanos = System.nanoTime() - t0;
        return sum;
    }

    /**
     * The chunk, shrunk if {@link EvalPipeline#SLOTS} sets of its buffers would take more than half the
     * direct memory the JVM allows (by default as much as the heap: -Xmx256m allows 128 MB of chunks).
     */
    private int fitChunk(int cap, int bytes, int inputs) {
        long budget = DirectMemory.max() / 2;
        int fit = cap;
        while (fit > 4096 && EvalPipeline.memory(bytes, inputs, out2File != null, fit) > budget) {
            fit /= 2;
        }
        if (fit != cap && verbose) {
            err().println(name() + ": chunk of " + cap + " elements lowered to " + fit + " to fit the direct memory (" + Sizes.bytes(DirectMemory.max()) + ")");
        }
        return fit;
    }

    /** Evaluates one chunk in place on its direct buffers: outputs overwrite x, fused's σ' goes to the extra buffer. */
    private Provenance apply(Sigmoid s, DType t, EvalPipeline.Slot slot) {
        int eb = t.bytes();
        Operand x = window(t, slot.in[0]);
        Operand g = slot.in.length > 1 ? window(t, slot.in[1]) : null;
        Operand d = op == Op.FUSED ? window(t, slot.extra.position(0).limit(slot.n * eb)) : null;
        return s.apply(op, op.operands(x, g, x, d));
    }

    private static Operand window(DType t, ByteBuffer b) {
        if (t.isHalf()) {
            return t == DType.F16 ? Operand.f16(b.asShortBuffer()) : Operand.bf16(b.asShortBuffer());
        }
        return t == DType.F32 ? Operand.of(b.asFloatBuffer()) : Operand.of(b.asDoubleBuffer());
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
            EvalPipeline.Times tm = sum.times;
            sb.append(String.format(Locale.ROOT, "; %d chunk%s; %sread %.3f s, compute %.3f s (%.1f Melem/s), write %.3f s (overlapped, %s), flush %.3f s; total %.3f s",
                    sum.chunks, sum.chunks == 1 ? "" : "s",
                    tm.prepare() > 1_000_000 ? String.format(Locale.ROOT, "JIT warm-up %.3f s before the first chunk, ", tm.prepare() / 1e9) : "",
                    tm.read() / 1e9, sum.computeNanos / 1e9, sum.elements / (sum.computeNanos / 1e3), tm.write() / 1e9, String.join(" and ", sum.writeModes), tm.flush() / 1e9, sum.wallNanos / 1e9));
            if (sum.transferNanos > 0 || sum.kernelNanos > 0) {
                sb.append(String.format(Locale.ROOT, " (device busy: transfers %.3f s, kernels %.3f s, overlapping)", sum.transferNanos / 1e9, sum.kernelNanos / 1e9));
            }
        }
        sb.append(sum.fallbacks.isEmpty() ? "; no fallback" : "; " + sum.fallbacks.size() + " chunk(s) FELL BACK to the CPU");
        if (verify != VerifyPolicy.NONE) {
            sb.append("; verified ").append(sum.verified).append(" elements (").append(verify.name().toLowerCase(Locale.ROOT)).append(")");
        }
        sb.append("; wrote ").append(outFile).append(out2File == null ? "" : " and " + out2File);
        info(sb.toString());
    }

    /** Fills {@code b} (position to limit) from {@code pos}. */
    private static void read(FileChannel ch, ByteBuffer b, long pos, Path file) throws IOException {
        int len = b.remaining();
        int got = Npy.readFully(ch, b, pos);
        if (got < len) {
            throw new UserError(file + ": truncated data: the file ended at byte " + (pos + got) + " while reading (did it change during the run?)");
        }
    }
}
