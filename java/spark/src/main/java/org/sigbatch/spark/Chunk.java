package org.sigbatch.spark;

import java.util.BitSet;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.unsafe.Platform;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;

/**
 * A primitive buffer of consecutive rows' values, evaluated with one call. Rows' arrays are laid end
 * to end; the caller keeps each row's offset and length. Null array elements are computed as NaN
 * and given back as null. Outputs overwrite the input buffer (in-place calls), so a chunk of n
 * elements holds n (σ, σ'), 2n (fused, backward) or 3n (fused's σ' buffer) primitives. Values are
 * read from and written as Spark's internal rows and arrays, without boxing.
 *
 * @param <A> {@code float[]} or {@code double[]}
 */
final class Chunk<A> {
    /** First buffer size: small partitions do not allocate a whole batch. */
    static final int INITIAL = 4096;

    private final Primitive<A> p;
    private final Op op;
    private final boolean grad;
    /** Buffers grow to this many elements (more only for a single row longer than it). */
    private final int limit;
    /** Positions of null array elements (x or gradOut), or null when the column cannot hold them. */
    private final BitSet nulls;
    int size;
    private A x;
    private A g;
    private A d;
    private A out0;
    private A out1;

    private Chunk(Primitive<A> p, Op op, boolean elementNulls, int limit) {
        this.p = p;
        this.op = op;
        this.grad = op == Op.BACKWARD || op == Op.BACKWARD_FROM_OUTPUT;
        this.limit = limit;
        this.nulls = elementNulls ? new BitSet() : null;
        this.x = p.alloc(0);
        this.g = p.alloc(0);
        this.d = p.alloc(0);
    }

    static Chunk<?> of(ColumnKind kind, Op op, boolean elementNulls, int limit) {
        return kind.dtype == DType.F32 ? new Chunk<>(Primitive.F32, op, elementNulls, limit) : new Chunk<>(Primitive.F64, op, elementNulls, limit);
    }

    void clear() {
        size = 0;
        if (nulls != null) {
            nulls.clear();
        }
    }

    /** Room for {@code n} more elements: doubles the buffers, keeping their contents. */
    private void reserve(int n) {
        int current = p.length(x);
        long need = (long) size + n;
        if (need <= current) {
            return;
        }
        if (need > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a chunk cannot hold " + need + " elements");
        }
        long c = Math.max(INITIAL, current);
        while (c < need) {
            c *= 2;
        }
        // Stop at the batch size, so that full chunks fill their buffers exactly and are not copied.
        int cap = (int) Math.min(c, Math.max(limit, need));
        x = grow(x, cap);
        if (grad) {
            g = grow(g, cap);
        }
    }

    private A grow(A a, int cap) {
        A b = p.alloc(cap);
        System.arraycopy(a, 0, b, 0, size);
        return b;
    }

    private boolean hasNulls(int off, int len) {
        if (nulls == null) {
            return false;
        }
        int i = nulls.nextSetBit(off);
        return i >= 0 && i < off + len;
    }

    /** Appends one row's scalar input (and gradOut). */
    void putScalar(InternalRow row, int in, int gradIndex) {
        reserve(1);
        p.fromRow(row, in, x, size);
        if (grad) {
            p.fromRow(row, gradIndex, g, size);
        }
        size++;
    }

    /** Appends one row's arrays of {@code n} elements; {@code ga} is null unless the op takes gradOut. */
    void putArray(ArrayData xa, ArrayData ga, int n) {
        reserve(n);
        copy(xa, x, n);
        if (grad) {
            copy(ga, g, n);
        }
        size += n;
    }

    private void copy(ArrayData a, A dst, int n) {
        if (nulls == null) {
            p.fromArray(a, 0, n, dst, size);
            return;
        }
        for (int k = 0; k < n; k++) {
            if (a.isNullAt(k)) {
                nulls.set(size + k);
                p.setNaN(dst, size + k);
            } else {
                p.fromArray(a, k, 1, dst, size + k);
            }
        }
    }

    /**
     * Appends a column batch's {@code n} rows of a scalar column: every row takes a slot, and rows
     * whose x or gradOut is null are marked in {@code rowNulls} (their slot is computed and dropped).
     */
    void putColumns(ColumnVector xv, ColumnVector gv, int n, BitSet rowNulls) {
        reserve(n);
        p.fromColumn(xv, n, x, size);
        if (grad) {
            p.fromColumn(gv, n, g, size);
        }
        if (xv.hasNull() || (grad && gv.hasNull())) {
            for (int k = 0; k < n; k++) {
                if (xv.isNullAt(k) || (grad && gv.isNullAt(k))) {
                    rowNulls.set(size + k);
                }
            }
        }
        size += n;
    }

    /** Writes output {@code k} of the whole chunk into {@code out}, with nulls at {@code rowNulls}. */
    void toColumn(int k, WritableColumnVector out, BitSet rowNulls) {
        out.reset();
        p.toColumn(k == 0 ? out0 : out1, size, out);
        for (int i = rowNulls.nextSetBit(0); i >= 0 && i < size; i = rowNulls.nextSetBit(i + 1)) {
            out.putNull(i);
        }
    }

    /** Evaluates the chunk with one evaluator call. */
    Provenance evaluate(Sigmoid s) {
        // Whole-array calls: a full buffer is used as is, a partial one is cut to size.
        A xs = cut(x);
        A gs = grad ? cut(g) : null;
        A ds = null;
        if (op == Op.FUSED) {
            if (p.length(d) != size) {
                d = p.alloc(size);
            }
            ds = d;
        }
        out0 = xs;
        out1 = ds;
        return p.evaluate(s, op, xs, gs, ds);
    }

    private A cut(A a) {
        if (p.length(a) == size) {
            return a;
        }
        A b = p.alloc(size);
        System.arraycopy(a, 0, b, 0, size);
        return b;
    }

    /** Sets output {@code k} (0: σ / σ' / gradIn, 1: fused σ') at {@code pos} into field {@code field} of {@code row}. */
    void setScalar(int k, int pos, InternalRow row, int field) {
        p.toRow(k == 0 ? out0 : out1, pos, row, field);
    }

    /** Output {@code k} over a row's range; null elements where an input element was null. */
    ArrayData array(int k, int off, int len) {
        A src = k == 0 ? out0 : out1;
        if (!hasNulls(off, len)) {
            return p.toArray(src, off, len);
        }
        Object[] boxed = new Object[len];
        for (int i = 0; i < len; i++) {
            boxed[i] = nulls.get(off + i) ? null : p.box(src, off + i);
        }
        return new GenericArrayData(boxed);
    }

    /** The per-type steps: float32 and float64 differ only in these. */
    private interface Primitive<A> {
        A alloc(int n);

        int length(A a);

        void fromRow(InternalRow row, int field, A dst, int at);

        void fromArray(ArrayData a, int from, int n, A dst, int at);

        void fromColumn(ColumnVector v, int n, A dst, int at);

        void toColumn(A src, int n, WritableColumnVector out);

        void setNaN(A dst, int at);

        void toRow(A src, int pos, InternalRow row, int field);

        Object box(A src, int pos);

        ArrayData toArray(A src, int off, int len);

        /** One in-place call: outputs into x (and d for fused). */
        Provenance evaluate(Sigmoid s, Op op, A x, A g, A d);

        Primitive<float[]> F32 = new Primitive<>() {
            @Override public float[] alloc(int n) { return new float[n]; }
            @Override public int length(float[] a) { return a.length; }
            @Override public void fromRow(InternalRow row, int field, float[] dst, int at) { dst[at] = row.getFloat(field); }
            @Override public void setNaN(float[] dst, int at) { dst[at] = Float.NaN; }
            @Override public void toRow(float[] src, int pos, InternalRow row, int field) { row.setFloat(field, src[pos]); }
            @Override public Object box(float[] src, int pos) { return src[pos]; }
            @Override public void toColumn(float[] src, int n, WritableColumnVector out) { out.putFloats(0, n, src, 0); }

            @Override
            public void fromColumn(ColumnVector v, int n, float[] dst, int at) {
                for (int k = 0; k < n; k++) {
                    dst[at + k] = v.getFloat(k);
                }
            }

            @Override
            public void fromArray(ArrayData a, int from, int n, float[] dst, int at) {
                for (int k = 0; k < n; k++) {
                    dst[at + k] = a.getFloat(from + k);
                }
            }

            @Override
            public ArrayData toArray(float[] src, int off, int len) {
                long at = Platform.FLOAT_ARRAY_OFFSET + (long) off * Float.BYTES;
                return at <= Integer.MAX_VALUE
                        ? UnsafeArrayData.fromPrimitiveArray(src, (int) at, len, Float.BYTES)   // one copy, straight from the chunk
                        : UnsafeArrayData.fromPrimitiveArray(java.util.Arrays.copyOfRange(src, off, off + len));
            }

            @Override
            public Provenance evaluate(Sigmoid s, Op op, float[] x, float[] g, float[] d) {
                return switch (op) {
                    case SIGMOID -> s.sigmoid(x, x);
                    case DERIVATIVE -> s.derivative(x, x);
                    case FUSED -> s.fused(x, x, d);
                    case BACKWARD -> s.backward(x, g, x);
                    case BACKWARD_FROM_OUTPUT -> s.backwardFromOutput(x, g, x);
                };
            }
        };

        Primitive<double[]> F64 = new Primitive<>() {
            @Override public double[] alloc(int n) { return new double[n]; }
            @Override public int length(double[] a) { return a.length; }
            @Override public void fromRow(InternalRow row, int field, double[] dst, int at) { dst[at] = row.getDouble(field); }
            @Override public void setNaN(double[] dst, int at) { dst[at] = Double.NaN; }
            @Override public void toRow(double[] src, int pos, InternalRow row, int field) { row.setDouble(field, src[pos]); }
            @Override public Object box(double[] src, int pos) { return src[pos]; }
            @Override public void toColumn(double[] src, int n, WritableColumnVector out) { out.putDoubles(0, n, src, 0); }

            @Override
            public void fromColumn(ColumnVector v, int n, double[] dst, int at) {
                for (int k = 0; k < n; k++) {
                    dst[at + k] = v.getDouble(k);
                }
            }

            @Override
            public void fromArray(ArrayData a, int from, int n, double[] dst, int at) {
                for (int k = 0; k < n; k++) {
                    dst[at + k] = a.getDouble(from + k);
                }
            }

            @Override
            public ArrayData toArray(double[] src, int off, int len) {
                long at = Platform.DOUBLE_ARRAY_OFFSET + (long) off * Double.BYTES;
                return at <= Integer.MAX_VALUE
                        ? UnsafeArrayData.fromPrimitiveArray(src, (int) at, len, Double.BYTES)
                        : UnsafeArrayData.fromPrimitiveArray(java.util.Arrays.copyOfRange(src, off, off + len));
            }

            @Override
            public Provenance evaluate(Sigmoid s, Op op, double[] x, double[] g, double[] d) {
                return switch (op) {
                    case SIGMOID -> s.sigmoid(x, x);
                    case DERIVATIVE -> s.derivative(x, x);
                    case FUSED -> s.fused(x, x, d);
                    case BACKWARD -> s.backward(x, g, x);
                    case BACKWARD_FROM_OUTPUT -> s.backwardFromOutput(x, g, x);
                };
            }
        };
    }
}
