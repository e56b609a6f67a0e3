package org.sigbatch.spark;

import java.util.BitSet;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * A primitive buffer of consecutive rows' values, evaluated with one call. Rows' arrays are laid end
 * to end; the caller keeps each row's offset and length. Null array elements are computed as NaN
 * and given back as null. Outputs overwrite the input buffer (in-place calls), so a chunk of n
 * elements holds n (σ, σ'), 2n (fused, backward) or 3n (fused's σ' buffer) primitives.
 */
abstract sealed class Chunk permits Chunk.F32, Chunk.F64 {
    /** First buffer size: small partitions do not allocate a whole batch. */
    static final int INITIAL = 4096;

    final Op op;
    final boolean grad;
    /** Buffers grow to this many elements (more only for a single row longer than it). */
    final int limit;
    int size;
    /** Positions of null array elements (x or gradOut), or null when the column cannot hold them. */
    final BitSet nulls;

    Chunk(Op op, boolean elementNulls, int limit) {
        this.op = op;
        this.limit = limit;
        this.grad = op == Op.BACKWARD || op == Op.BACKWARD_FROM_OUTPUT;
        this.nulls = elementNulls ? new BitSet() : null;
    }

    static Chunk of(ColumnKind kind, Op op, boolean elementNulls, int limit) {
        return kind.dtype == org.sigbatch.DType.F32 ? new F32(op, elementNulls, limit) : new F64(op, elementNulls, limit);
    }

    void clear() {
        size = 0;
        if (nulls != null) {
            nulls.clear();
        }
    }

    /** Capacity for {@code n} more elements: doubles the buffers, keeping their contents. */
    final int grownCapacity(int current, int n) {
        long need = (long) size + n;
        if (need <= current) {
            return current;
        }
        if (need > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a chunk cannot hold " + need + " elements");
        }
        long c = Math.max(INITIAL, current);
        while (c < need) {
            c *= 2;
        }
        // Stop at the batch size, so that full chunks fill their buffers exactly and are not copied.
        return (int) Math.min(c, Math.max(limit, need));
    }

    boolean hasNulls(int off, int len) {
        if (nulls == null) {
            return false;
        }
        int i = nulls.nextSetBit(off);
        return i >= 0 && i < off + len;
    }

    /** Appends one row's scalar input (and gradOut). */
    abstract void putScalar(org.apache.spark.sql.Row row, int in, int gradIndex);

    /** Appends one row's array cells of {@code n} elements; {@code g} is null unless the op takes gradOut. */
    abstract void putArray(Object x, Object g, int n);

    /** Evaluates the chunk with one evaluator call. */
    abstract Provenance evaluate(Sigmoid s);

    /** Output {@code k} (0: σ / σ' / gradIn, 1: fused σ') at one position, boxed. */
    abstract Object scalar(int k, int pos);

    /** Output {@code k} over a row's range, as a Seq over a primitive array, or over a boxed one with nulls where an input element was null. */
    abstract Object array(int k, int off, int len);

    static final class F32 extends Chunk {
        private float[] x = new float[0];
        private float[] g = new float[0];
        private float[] d = new float[0];
        private float[] out0;
        private float[] out1;

        F32(Op op, boolean elementNulls, int limit) {
            super(op, elementNulls, limit);
        }

        private void reserve(int n) {
            int c = grownCapacity(x.length, n);
            if (c != x.length) {
                x = java.util.Arrays.copyOf(x, c);
                if (grad) {
                    g = java.util.Arrays.copyOf(g, c);
                }
            }
        }

        @Override
        void putScalar(org.apache.spark.sql.Row row, int in, int gradIndex) {
            reserve(1);
            x[size] = row.getFloat(in);
            if (grad) {
                g[size] = row.getFloat(gradIndex);
            }
            size++;
        }

        @Override
        void putArray(Object xc, Object gc, int n) {
            reserve(n);
            copy(xc, x, n);
            if (grad) {
                copy(gc, g, n);
            }
            size += n;
        }

        private void copy(Object cell, float[] dst, int n) {
            float[] prim = ArrayCells.floats(cell);
            if (prim != null) {
                System.arraycopy(prim, 0, dst, size, n);
                return;
            }
            java.util.Iterator<?> it = ArrayCells.elements(cell);
            for (int k = 0; k < n; k++) {
                Object v = it.next();
                if (v == null) {
                    nulls.set(size + k);
                    dst[size + k] = Float.NaN;
                } else {
                    dst[size + k] = (Float) v;
                }
            }
        }

        @Override
        Provenance evaluate(Sigmoid s) {
            // Whole-array calls: a full buffer is used as is, a partial one is cut to size.
            float[] xs = size == x.length ? x : java.util.Arrays.copyOf(x, size);
            float[] gs = !grad ? null : size == g.length ? g : java.util.Arrays.copyOf(g, size);
            out0 = xs;
            out1 = null;
            return switch (op) {
                case SIGMOID -> s.sigmoid(xs, xs);
                case DERIVATIVE -> s.derivative(xs, xs);
                case FUSED -> {
                    if (d.length != size) {
                        d = new float[size];
                    }
                    out1 = d;
                    yield s.fused(xs, xs, d);
                }
                case BACKWARD -> s.backward(xs, gs, xs);
                case BACKWARD_FROM_OUTPUT -> s.backwardFromOutput(xs, gs, xs);
            };
        }

        @Override
        Object scalar(int k, int pos) {
            return (k == 0 ? out0 : out1)[pos];
        }

        @Override
        Object array(int k, int off, int len) {
            float[] src = k == 0 ? out0 : out1;
            if (!hasNulls(off, len)) {
                return ArrayCells.wrap(java.util.Arrays.copyOfRange(src, off, off + len));
            }
            Float[] boxed = new Float[len];
            for (int i = 0; i < len; i++) {
                boxed[i] = nulls.get(off + i) ? null : src[off + i];
            }
            return ArrayCells.wrap(boxed);
        }
    }

    static final class F64 extends Chunk {
        private double[] x = new double[0];
        private double[] g = new double[0];
        private double[] d = new double[0];
        private double[] out0;
        private double[] out1;

        F64(Op op, boolean elementNulls, int limit) {
            super(op, elementNulls, limit);
        }

        private void reserve(int n) {
            int c = grownCapacity(x.length, n);
            if (c != x.length) {
                x = java.util.Arrays.copyOf(x, c);
                if (grad) {
                    g = java.util.Arrays.copyOf(g, c);
                }
            }
        }

        @Override
        void putScalar(org.apache.spark.sql.Row row, int in, int gradIndex) {
            reserve(1);
            x[size] = row.getDouble(in);
            if (grad) {
                g[size] = row.getDouble(gradIndex);
            }
            size++;
        }

        @Override
        void putArray(Object xc, Object gc, int n) {
            reserve(n);
            copy(xc, x, n);
            if (grad) {
                copy(gc, g, n);
            }
            size += n;
        }

        private void copy(Object cell, double[] dst, int n) {
            double[] prim = ArrayCells.doubles(cell);
            if (prim != null) {
                System.arraycopy(prim, 0, dst, size, n);
                return;
            }
            java.util.Iterator<?> it = ArrayCells.elements(cell);
            for (int k = 0; k < n; k++) {
                Object v = it.next();
                if (v == null) {
                    nulls.set(size + k);
                    dst[size + k] = Double.NaN;
                } else {
                    dst[size + k] = (Double) v;
                }
            }
        }

        @Override
        Provenance evaluate(Sigmoid s) {
            double[] xs = size == x.length ? x : java.util.Arrays.copyOf(x, size);
            double[] gs = !grad ? null : size == g.length ? g : java.util.Arrays.copyOf(g, size);
            out0 = xs;
            out1 = null;
            return switch (op) {
                case SIGMOID -> s.sigmoid(xs, xs);
                case DERIVATIVE -> s.derivative(xs, xs);
                case FUSED -> {
                    if (d.length != size) {
                        d = new double[size];
                    }
                    out1 = d;
                    yield s.fused(xs, xs, d);
                }
                case BACKWARD -> s.backward(xs, gs, xs);
                case BACKWARD_FROM_OUTPUT -> s.backwardFromOutput(xs, gs, xs);
            };
        }

        @Override
        Object scalar(int k, int pos) {
            return (k == 0 ? out0 : out1)[pos];
        }

        @Override
        Object array(int k, int off, int len) {
            double[] src = k == 0 ? out0 : out1;
            if (!hasNulls(off, len)) {
                return ArrayCells.wrap(java.util.Arrays.copyOfRange(src, off, off + len));
            }
            Double[] boxed = new Double[len];
            for (int i = 0; i < len; i++) {
                boxed[i] = nulls.get(off + i) ? null : src[off + i];
            }
            return ArrayCells.wrap(boxed);
        }
    }
}
