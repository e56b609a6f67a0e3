package org.sigbatch.internal;

import java.util.SplittableRandom;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Precision;
import org.sigbatch.VerificationException;
import org.sigbatch.VerifyPolicy;
import org.sigbatch.reference.DoubleDouble;
import org.sigbatch.reference.HalfFormat;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Reference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;

/**
 * Checks a backend's outputs against the CPU reference. Inputs are captured before the backend
 * runs (a {@link Snapshot}), so in-place calls verify against the original x.
 */
public final class Verifier {
    private Verifier() {
    }

    /** ULP bound of each op's outputs under {@link Precision#ACCURATE}, the same for float32 and float64. */
    public static double bound(Op op, int output) {
        return Precision.ACCURATE.bound(op, output);
    }

    /** Reference value of output {@code output} of {@code op} for inputs (a, b), float32 inputs. */
    public static double reference32(Op op, int output, float a, float b) {
        return switch (op) {
            case SIGMOID -> Reference.sigmoid(a);
            case DERIVATIVE -> Reference.derivative(a);
            case FUSED -> output == 0 ? Reference.sigmoid(a) : Reference.derivative(a);
            case BACKWARD -> Reference.backward(a, b);
            case BACKWARD_FROM_OUTPUT -> Reference.backwardFromOutput(a, b);
        };
    }

    /** Reference value for float64 inputs, in double-double. */
    public static DoubleDouble reference64(Op op, int output, double a, double b) {
        return switch (op) {
            case SIGMOID -> Reference.sigmoidDD(a);
            case DERIVATIVE -> Reference.derivativeDD(a);
            case FUSED -> output == 0 ? Reference.sigmoidDD(a) : Reference.derivativeDD(a);
            case BACKWARD -> Reference.backwardDD(a, b);
            case BACKWARD_FROM_OUTPUT -> Reference.backwardFromOutputDD(a, b);
        };
    }

    /** The inputs of the elements that will be verified, captured before evaluation. */
    public record Snapshot(int[] indices, double[][] inputs) {
        public static final Snapshot EMPTY = new Snapshot(new int[0], new double[0][]);

        public int size() {
            return indices.length;
        }
    }

    public static Snapshot capture(VerifyPolicy policy, Batch b, int sampleSize, SplittableRandom rnd) {
        int n = b.length();
        int[] idx;
        if (policy == VerifyPolicy.NONE || n == 0) {
            idx = new int[0];
        } else if (policy == VerifyPolicy.FULL || n <= sampleSize) {
            idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
        } else {
            idx = new int[sampleSize];
            idx[0] = 0; // ends are where chunking and vector tails go wrong
            idx[1 % sampleSize] = n - 1;
            for (int i = 2; i < sampleSize; i++) {
                idx[i] = rnd.nextInt(n);
            }
        }
        double[][] in = new double[b.inputs().size()][];
        for (int k = 0; k < in.length; k++) {
            in[k] = gather(b.in(k), idx, n);
        }
        return new Snapshot(idx, in);
    }

    /** Values of {@code o} at {@code idx}; one bulk copy when every element is wanted. */
    private static double[] gather(Operand o, int[] idx, int n) {
        double[] v = new double[idx.length];
        if (idx.length == n && n > 0) {
            if (o.dtype().isHalf()) {
                short[] tmp = new short[n];
                o.copyTo(0, n, tmp, 0);
                HalfFormat f = HalfFormat.of(o.dtype());
                for (int i = 0; i < n; i++) {
                    v[i] = f.toDouble(tmp[i]);
                }
            } else if (o.dtype() == DType.F32) {
                float[] tmp = new float[n];
                o.copyTo(0, n, tmp, 0);
                for (int i = 0; i < n; i++) {
                    v[i] = tmp[i];
                }
            } else {
                o.copyTo(0, n, v, 0);
            }
            return v;
        }
        for (int i = 0; i < idx.length; i++) {
            v[i] = o.get(idx[i]);
        }
        return v;
    }

    /** {@link #check(Precision, Op, Batch, Snapshot, String)} under ACCURATE. */
    public static void check(Op op, Batch b, Snapshot s, String backend) {
        check(Precision.ACCURATE, op, b, s, backend);
    }

    /** Compares outputs with the reference; throws {@link VerificationException} at the first element over the tier's bound. */
    public static void check(Precision precision, Op op, Batch b, Snapshot s, String backend) {
        if (s.size() == 0) {
            return;
        }
        for (int out = 0; out < op.outputs(); out++) {
            double[] actual = gather(b.out(out), s.indices(), b.length());
            double bound = b.dtype().isHalf() ? 0 : precision.bound(op, out); // 16-bit results: correctly rounded, exactly
            for (int i = 0; i < s.size(); i++) {
                double a = s.inputs()[0][i];
                double g = op.inputs() > 1 ? s.inputs()[1][i] : 0;
                double err;
                double ref;
                if (b.dtype().isHalf()) {
                    // 16-bit results are correctly rounded: the result must be the reference rounded once
                    HalfFormat f = HalfFormat.of(b.dtype());
                    double want = f.toDouble(OpReference.half(op, out, f, f.round(a), f.round(g)));
                    ref = want;
                    err = Double.isNaN(want) ? (Double.isNaN(actual[i]) ? 0 : Double.POSITIVE_INFINITY)
                            : actual[i] == want ? 0 : Math.abs(actual[i] - want) / f.ulp(want);
                } else if (b.dtype() == DType.F32) {
                    ref = reference32(op, out, (float) a, (float) g);
                    err = Ulps.error((float) actual[i], ref);
                } else {
                    DoubleDouble r = reference64(op, out, a, g);
                    ref = r.hi();
                    err = Ulps.error(actual[i], r);
                }
                if (!(err <= bound)) {
                    throw new VerificationException(backend, op, outputName(op, out), s.indices()[i], a, ref, actual[i], err, bound);
                }
            }
        }
    }

    public static String outputName(Op op, int out) {
        return op.outputName(out);
    }
}
