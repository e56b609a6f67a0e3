package org.sigbatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.sigbatch.BackendKind;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.DoubleDouble;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.SpecialValues;
import org.sigbatch.reference.Ulps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sigbatch accuracy}: the largest error in ULP of a backend against the reference, per op and
 * dtype, over a random sample or (float32) all 2^32 inputs, and a table of special values.
 */
@Command(name = "accuracy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the maximum ULP error of a backend against the high-precision reference (float32: double;",
                "float64: double-double), per op and dtype, and check special values (NaN, ±Inf, ±0, subnormal results, ...).",
                "Exit code 4 if any error exceeds its bound (σ 1 ULP, σ' 2, backward 3)."})
final class AccuracyCommand extends BaseCommand {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "B", converter = Converters.BackendConverter.class,
            description = "auto, cpu, opencl or cuda (default: ${DEFAULT-VALUE}).")
    BackendKind backend;

    @Option(names = "--op", defaultValue = "sigmoid,derivative,fused,backward", paramLabel = "OPS",
            description = "Comma-separated ops or all (default: ${DEFAULT-VALUE}).")
    String ops;

    @Option(names = "--dtype", defaultValue = "f32,f64", paramLabel = "T", description = "f32, f64 or both (default: ${DEFAULT-VALUE}).")
    String dtypes;

    @Option(names = "--exhaustive", description = "float32: every one of the 2^32 inputs (minutes per op); float64 is sampled.")
    boolean exhaustive;

    @Option(names = "--samples", defaultValue = "1M", paramLabel = "N", converter = Converters.SizeConverter.class,
            description = "Random inputs per op and dtype when not exhaustive (default: ${DEFAULT-VALUE}); half are random bit patterns, "
                    + "half have log-uniform magnitudes where σ and σ' change most.")
    long samples;

    @Option(names = "--chunk", defaultValue = "4M", paramLabel = "N", converter = Converters.SizeConverter.class,
            description = "Elements per call to the backend (default: ${DEFAULT-VALUE}).")
    long chunk;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random sample (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Worst element seen for one output of one op. */
    static final class Worst {
        double ulps = -1;
        double x = Double.NaN;
        double g = Double.NaN;
        double got = Double.NaN;
        double ref = Double.NaN;
        long over;
        long notRounded;
        long n;

        void add(double e, double x, double g, double got, double ref, double bound) {
            n++;
            if (e > 0.5) {
                notRounded++;
            }
            if (!(e <= bound)) {
                over++;
            }
            if (e > ulps || Double.isNaN(e)) {
                ulps = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                this.x = x;
                this.g = g;
                this.got = got;
                this.ref = ref;
            }
        }

        Worst merge(Worst o) {
            if (o.ulps > ulps) {
                ulps = o.ulps;
                x = o.x;
                g = o.g;
                got = o.got;
                ref = o.ref;
            }
            over += o.over;
            notRounded += o.notRounded;
            n += o.n;
            return this;
        }
    }

    @Override
    int run() {
        List<Op> opList = BenchCommand.parseOps(ops);
        List<DType> types = new ArrayList<>();
        for (String t : dtypes.split(",", -1)) {
            DType d;
            try {
                d = Converters.parseDType(t);
            } catch (RuntimeException e) {
                throw new UserError("--dtype: unknown dtype '" + t + "' (expected f32, f64 or f32,f64)");
            }
            if (!types.contains(d)) {
                types.add(d);
            }
        }
        if (samples > Long.MAX_VALUE / 4) {
            throw new UserError("--samples: too large");
        }
        int chunkElems = (int) Math.min(chunk, 1 << 26);
        boolean ok = true;
        try (Sigmoid s = open(backend, VerifyPolicy.NONE)) {
            var out = out();
            String id = s.choose(Op.SIGMOID, DType.F32, chunkElems);
            out.println("sigbatch accuracy: backend " + (backend == BackendKind.AUTO ? "auto -> " : "") + id + " [" + s.deviceName(id) + "]; "
                    + (exhaustive ? "float32 exhaustive (2^32 inputs per op)" : "") + (exhaustive && types.contains(DType.F64) ? ", float64 " : "")
                    + (!exhaustive || types.contains(DType.F64) ? Sizes.format(samples) + " random inputs per op (seed " + seed + ")" : "")
                    + "; precision " + s.precision().id() + "; errors in ULP against the reference");
            String fmt = "%-5s %-21s %-7s %12s %10s %7s %6s %12s  %s%n";
            out.printf(Locale.ROOT, fmt, "dtype", "op", "output", "inputs", "max ULP", "bound", "status", ">0.5 ULP", "worst at");
            for (DType t : types) {
                for (Op op : opList) {
                    boolean all = exhaustive && t == DType.F32;
                    long n = all ? 1L << 32 : samples;
                    Worst[] w = measure(s, op, t, n, all, chunkElems);
                    for (int k = 0; k < w.length; k++) {
                        double bound = s.precision().bound(op, k);
                        boolean pass = w[k].over == 0;
                        ok &= pass;
                        out.printf(Locale.ROOT, fmt, Converters.shortName(t), op.label(), op.outputName(k), w[k].n,
                                String.format(Locale.ROOT, "%.4f", w[k].ulps), Format.bound(bound),
                                pass ? "ok" : "FAIL", w[k].notRounded, where(op, t, w[k]));
                        if (!pass) {
                            out.println("      " + w[k].over + " input(s) over the bound");
                        }
                    }
                }
            }
            out.println();
            for (DType t : types) {
                ok &= specials(s, t);
            }
        }
        if (!ok) {
            err().println(name() + ": errors over the bound (see above)");
            return ExitCodes.VERIFICATION_FAILED;
        }
        return ExitCodes.OK;
    }

    private static String where(Op op, DType t, Worst w) {
        if (w.n == 0) {
            return "-";
        }
        String first = op == Op.BACKWARD_FROM_OUTPUT ? "y=" : "x=";
        String s = first + num(w.x, t) + (op.inputs() > 1 ? ", g=" + num(w.g, t) : "") + ": got " + num(w.got, t) + ", ref " + w.ref;
        return s;
    }

    static String num(double v, DType t) {
        if (t == DType.F32) {
            float f = (float) v;
            return Float.isFinite(f) && f != 0 ? f + " (" + Float.toHexString(f) + ")" : Float.toString(f);
        }
        return Double.isFinite(v) && v != 0 ? v + " (" + Double.toHexString(v) + ")" : Double.toString(v);
    }

    private Worst[] measure(Sigmoid s, Op op, DType t, long n, boolean all, int chunkElems) {
        Worst[] total = new Worst[op.outputs()];
        for (int k = 0; k < total.length; k++) {
            total[k] = new Worst();
        }
        int cap = (int) Math.min(chunkElems, n);
        Chunk c = new Chunk(t, cap);
        SplittableRandom rnd = new SplittableRandom(seed * 31 + op.ordinal() * 7 + t.ordinal());
        try (Progress bar = Progress.of(showProgress() && n >= (1 << 24), Converters.shortName(t) + " " + op.label(), n, " Melem", 1_000_000)) {
            for (long done = 0; done < n; ) {
                int len = (int) Math.min(cap, n - done);
                c.fill(op, done, len, all, rnd);
                Provenance p = c.call(s, op, len);
                if (verbose) {
                    err().println(name() + ": " + p);
                }
                for (int k = 0; k < total.length; k++) {
                    total[k].merge(c.errors(op, k, len, s.precision().bound(op, k)));
                }
                done += len;
                bar.step(len);
            }
        }
        return total;
    }

    /** Inputs and outputs of one call; errors are computed in parallel blocks. */
    static final class Chunk {
        final DType t;
        float[] fx;
        float[] fg;
        float[][] fo;
        double[] dx;
        double[] dg;
        double[][] dout;

        Chunk(DType t, int n) {
            this.t = t;
            if (t == DType.F32) {
                fx = new float[n];
                fg = new float[n];
                fo = new float[][] {new float[n], new float[n]};
            } else {
                dx = new double[n];
                dg = new double[n];
                dout = new double[][] {new double[n], new double[n]};
            }
        }

        void fill(Op op, long start, int len, boolean all, SplittableRandom rnd) {
            for (int i = 0; i < len; i++) {
                double g = gradient(rnd);
                if (t == DType.F32) {
                    float x = all ? Float.intBitsToFloat((int) (start + i)) : sample32(rnd, op == Op.BACKWARD_FROM_OUTPUT);
                    fx[i] = x;
                    fg[i] = (float) g;
                } else {
                    dx[i] = sample64(rnd, op == Op.BACKWARD_FROM_OUTPUT);
                    dg[i] = g;
                }
            }
        }

        /** Upstream gradients: log-uniform magnitudes in [2^-20, 4], either sign (no overflow of g·σ'). */
        private static double gradient(SplittableRandom r) {
            double m = Math.scalb(1.0 + r.nextDouble(), r.nextInt(-21, 2));
            return r.nextBoolean() ? m : -m;
        }

        /** Half random bit patterns (NaN, infinities, subnormals included), half log-uniform |x| in [2^-30, 128]. */
        private static float sample32(SplittableRandom r, boolean probability) {
            if (probability) {
                return r.nextBoolean() ? (float) r.nextDouble() : (float) Math.scalb(1.0 + r.nextDouble(), r.nextInt(-127, 0));
            }
            if (r.nextBoolean()) {
                return Float.intBitsToFloat(r.nextInt());
            }
            float m = (float) Math.scalb(1.0 + r.nextDouble(), r.nextInt(-30, 7));
            return r.nextBoolean() ? m : -m;
        }

        /** A quarter random bit patterns, three quarters log-uniform |x| in [2^-60, 1024]. */
        private static double sample64(SplittableRandom r, boolean probability) {
            if (probability) {
                return r.nextBoolean() ? r.nextDouble() : Math.scalb(1.0 + r.nextDouble(), r.nextInt(-1023, 0));
            }
            if (r.nextInt(4) == 0) {
                return Double.longBitsToDouble(r.nextLong());
            }
            double m = Math.scalb(1.0 + r.nextDouble(), r.nextInt(-60, 10));
            return r.nextBoolean() ? m : -m;
        }

        Provenance call(Sigmoid s, Op op, int n) {
            if (t == DType.F32) {
                return s.apply(op, op.operands(Operand.of(fx, 0, n), Operand.of(fg, 0, n), Operand.of(fo[0], 0, n), Operand.of(fo[1], 0, n)));
            }
            return s.apply(op, op.operands(Operand.of(dx, 0, n), Operand.of(dg, 0, n), Operand.of(dout[0], 0, n), Operand.of(dout[1], 0, n)));
        }

        Worst errors(Op op, int k, int n, double bound) {
            int block = 1 << 14;
            int blocks = (n + block - 1) / block;
            return IntStream.range(0, blocks).parallel().mapToObj(b -> {
                Worst w = new Worst();
                int end = Math.min(n, (b + 1) * block);
                for (int i = b * block; i < end; i++) {
                    if (t == DType.F32) {
                        double ref = OpReference.f32(op, k, fx[i], fg[i]);
                        float got = fo[k][i];
                        w.add(Ulps.error(got, ref), fx[i], fg[i], got, ref, bound);
                    } else {
                        DoubleDouble ref = OpReference.f64(op, k, dx[i], dg[i]);
                        double got = dout[k][i];
                        w.add(Ulps.error(got, ref), dx[i], dg[i], got, ref.hi(), bound);
                    }
                }
                return w;
            }).collect(Worst::new, Worst::merge, Worst::merge);
        }
    }

    /** Inputs where implementations go wrong: NaN, infinities, zeros, subnormal results, the rounding-to-1 edge. */
    static final double[] SPECIALS = SpecialValues.table();

    private boolean specials(Sigmoid s, DType t) {
        var out = out();
        int n = SPECIALS.length;
        out.println("special values, " + t + " (fused: y = σ(x), d = σ'(x)):");
        String fmt = "  %-12s %-26s %-26s %9s %-26s %-26s %9s  %s%n";
        out.printf(Locale.ROOT, fmt, "x", "σ(x)", "reference", "ULP", "σ'(x)", "reference", "ULP", "");
        boolean ok = true;
        Provenance p;
        double[] ys = new double[n];
        double[] ds = new double[n];
        if (t == DType.F32) {
            float[] x = new float[n];
            float[] y = new float[n];
            float[] d = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) SPECIALS[i];
            }
            p = s.fused(x, y, d);
            for (int i = 0; i < n; i++) {
                ys[i] = y[i];
                ds[i] = d[i];
            }
        } else {
            double[] y = new double[n];
            double[] d = new double[n];
            p = s.fused(SPECIALS.clone(), y, d);
            ys = y;
            ds = d;
        }
        for (int i = 0; i < n; i++) {
            double x = t == DType.F32 ? (float) SPECIALS[i] : SPECIALS[i];
            double ry;
            double rd;
            double ey;
            double ed;
            if (t == DType.F32) {
                ry = Reference.sigmoid((float) x);
                rd = Reference.derivative((float) x);
                ey = Ulps.error((float) ys[i], ry);
                ed = Ulps.error((float) ds[i], rd);
            } else {
                DoubleDouble a = Reference.sigmoidDD(x);
                DoubleDouble b = Reference.derivativeDD(x);
                ry = a.hi();
                rd = b.hi();
                ey = Ulps.error(ys[i], a);
                ed = Ulps.error(ds[i], b);
            }
            boolean pass = ey <= 1 && ed <= 2;
            ok &= pass;
            out.printf(Locale.ROOT, fmt, t == DType.F32 ? Float.toString((float) x) : Double.toString(x),
                    shortNum(ys[i], t), shortNum(ry, t), String.format(Locale.ROOT, "%.3f", ey),
                    shortNum(ds[i], t), shortNum(rd, t), String.format(Locale.ROOT, "%.3f", ed), pass ? "ok" : "FAIL");
        }
        if (verbose) {
            err().println(name() + ": " + p);
        }
        out.println();
        return ok;
    }

    /** The value as the dtype prints it (the reference rounded to the dtype, so both columns compare). */
    private static String shortNum(double v, DType t) {
        return t == DType.F32 ? Float.toString((float) v) : Double.toString(v);
    }
}
