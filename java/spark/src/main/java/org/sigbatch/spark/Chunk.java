package org.sigbatch.spark;

import java.util.BitSet;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.Platform;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * A primitive buffer of consecutive rows' values, evaluated with one call. Rows' arrays are laid end
 * to end; the caller keeps each row's offset and length. Null array elements are computed as NaN
 * and given back as null. Outputs overwrite the input buffer (in-place calls), so a chunk of n
 * elements holds n (σ, σ'), 2n (fused, backward) or 3n (fused's σ' buffer) primitives. Values are
 * read from and written as Spark's internal rows and arrays, without boxing.
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
    abstract void putScalar(InternalRow row, int in, int gradIndex);

    /** Appends one row's arrays of {@code n} elements; {@code g} is null unless the op takes gradOut. */
    abstract void putArray(ArrayData x, ArrayData g, int n);

    /** Sets output {@code k} at position {@code pos} into field {@code field} of {@code row}. */
    abstract void setScalar(int k, int pos, InternalRow row, int field);

    /** Evaluates the chunk with one evaluator call. */
    abstract Provenance evaluate(Sigmoid s);

    /** Output {@code k} (0: σ / σ' / gradIn, 1: fused σ') over a row's range; null elements where an input element was null. */
    abstract ArrayData array(int k, int off, int len);

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
        void putScalar(InternalRow row, int in, int gradIndex) {
            reserve(1);
            x[size] = row.getFloat(in);
            if (grad) {
                g[size] = row.getFloat(gradIndex);
            }
            size++;
        }

        @Override
        void putArray(ArrayData xa, ArrayData ga, int n) {
            reserve(n);
            copy(xa, x, n);
            if (grad) {
                copy(ga, g, n);
            }
            size += n;
        }

        private void copy(ArrayData a, float[] dst, int n) {
            if (nulls == null) {
                for (int k = 0; k < n; k++) {
                    dst[size + k] = a.getFloat(k);
                }
                return;
            }
            for (int k = 0; k < n; k++) {
                if (a.isNullAt(k)) {
                    nulls.set(size + k);
                    dst[size + k] = Float.NaN;
                } else {
                    dst[size + k] = a.getFloat(k);
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
        void setScalar(int k, int pos, InternalRow row, int field) {
            row.setFloat(field, (k == 0 ? out0 : out1)[pos]);
        }

        @Override
        ArrayData array(int k, int off, int len) {
            float[] src = k == 0 ? out0 : out1;
            if (!hasNulls(off, len)) {
                long at = Platform.FLOAT_ARRAY_OFFSET + (long) off * Float.BYTES;
                return at <= Integer.MAX_VALUE
                        ? UnsafeArrayData.fromPrimitiveArray(src, (int) at, len, Float.BYTES)   // one copy, straight from the chunk
                        : UnsafeArrayData.fromPrimitiveArray(java.util.Arrays.copyOfRange(src, off, off + len));
            }
            Object[] boxed = new Object[len];
            for (int i = 0; i < len; i++) {
                boxed[i] = nulls.get(off + i) ? null : (Float) src[off + i];
            }
            return new GenericArrayData(boxed);
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
        void putScalar(InternalRow row, int in, int gradIndex) {
            reserve(1);
            x[size] = row.getDouble(in);
            if (grad) {
                g[size] = row.getDouble(gradIndex);
            }
            size++;
        }

        @Override
        void putArray(ArrayData xa, ArrayData ga, int n) {
            reserve(n);
            copy(xa, x, n);
            if (grad) {
                copy(ga, g, n);
            }
            size += n;
        }

        private void copy(ArrayData a, double[] dst, int n) {
            if (nulls == null) {
                for (int k = 0; k < n; k++) {
                    dst[size + k] = a.getDouble(k);
                }
                return;
            }
            for (int k = 0; k < n; k++) {
                if (a.isNullAt(k)) {
                    nulls.set(size + k);
                    dst[size + k] = Double.NaN;
                } else {
                    dst[size + k] = a.getDouble(k);
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
        void setScalar(int k, int pos, InternalRow row, int field) {
            row.setDouble(field, (k == 0 ? out0 : out1)[pos]);
        }

        @Override
        ArrayData array(int k, int off, int len) {
            double[] src = k == 0 ? out0 : out1;
            if (!hasNulls(off, len)) {
                long at = Platform.DOUBLE_ARRAY_OFFSET + (long) off * Double.BYTES;
                return at <= Integer.MAX_VALUE
                        ? UnsafeArrayData.fromPrimitiveArray(src, (int) at, len, Double.BYTES)   // one copy, straight from the chunk
                        : UnsafeArrayData.fromPrimitiveArray(java.util.Arrays.copyOfRange(src, off, off + len));
            }
            Object[] boxed = new Object[len];
            for (int i = 0; i < len; i++) {
                boxed[i] = nulls.get(off + i) ? null : (Double) src[off + i];
            }
            return new GenericArrayData(boxed);
        }
    }
}
