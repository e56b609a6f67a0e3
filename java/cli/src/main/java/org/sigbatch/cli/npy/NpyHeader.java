package org.sigbatch.cli.npy;

import java.util.Arrays;
import org.sigbatch.DType;

/**
 * What a .npy header says: element type, shape, memory order, and where the data starts.
 *
 * @param dtype        float32 ({@code <f4}), float64 ({@code <f8}), float16 ({@code <f2}) or bfloat16 (see
 *                     {@link Npy#BF16_DESCRS}); other dtypes are rejected when read
 * @param shape        dimensions; empty for a 0-d array (one element)
 * @param fortranOrder column-major data; element-wise results keep it, so it is carried through
 * @param dataOffset   byte offset of the first element in the file
 * @param version      format major version (1, 2 or 3)
 * @param descr        the file's {@code descr} string; outputs are written with the same one, so that
 *                     bfloat16 stays in the convention it came in ({@code <V2}, {@code bfloat16} or {@code <u2})
 */
public record NpyHeader(DType dtype, long[] shape, boolean fortranOrder, long dataOffset, int version, String descr) {

    public NpyHeader {
        shape = shape.clone();
    }

    /** A header with the standard descr of {@code dtype} ({@code <f4}, {@code <f8}, {@code <f2}, {@code <V2}). */
    public NpyHeader(DType dtype, long[] shape, boolean fortranOrder, long dataOffset, int version) {
        this(dtype, shape, fortranOrder, dataOffset, version, Npy.descr(dtype));
    }

    /** True for {@code <u2}: 16-bit patterns whose format the user names ({@code --dtype f16} or {@code bf16}). */
    public boolean raw16() {
        return descr.equals(Npy.RAW16);
    }

    /** The same file read as {@code t} (for {@link #raw16()} data). */
    public NpyHeader as(DType t) {
        return new NpyHeader(t, shape, fortranOrder, dataOffset, version, descr);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (the product of the shape; 1 for 0-d). */
    public long count() {
        return count(shape);
    }

    public long dataBytes() {
        return count() * dtype.bytes();
    }

    /** The shape as Python writes a tuple: {@code ()}, {@code (5,)}, {@code (2, 3)}. */
    public String shapeString() {
        return shapeString(shape);
    }

    public boolean sameShape(NpyHeader o) {
        return Arrays.equals(shape, o.shape);
    }

    /**
     * True if the data of both lie in the same element order: same memory order, or at most one
     * dimension longer than 1 (then C and Fortran order coincide).
     */
    public boolean sameElementOrder(NpyHeader o) {
        return fortranOrder == o.fortranOrder || (nonTrivialDims() <= 1 && o.nonTrivialDims() <= 1);
    }

    private int nonTrivialDims() {
        int k = 0;
        for (long d : shape) {
            if (d > 1) {
                k++;
            }
        }
        return k;
    }

    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        if (shape.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && dtype == h.dtype && Arrays.equals(shape, h.shape) && fortranOrder == h.fortranOrder
                && dataOffset == h.dataOffset && version == h.version && descr.equals(h.descr);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + dtype.hashCode() + Long.hashCode(dataOffset);
    }

    @Override
    public String toString() {
        return descr + " " + shapeString() + (fortranOrder ? " fortran order" : "") + " (npy v" + version + ".0)";
    }
}
