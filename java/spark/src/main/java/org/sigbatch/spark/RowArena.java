package org.sigbatch.spark;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;

/**
 * The input rows of one chunk, kept as their bytes end to end in one growing array instead of a
 * million row objects: copying a row is a memcpy, and the garbage collector sees a few arrays per
 * chunk. Rows are given back through one reused {@link UnsafeRow} view, valid until the next call.
 */
final class RowArena {
    private final StructType schema;
    private byte[] bytes = new byte[1 << 16];
    private int used;
    private int lastSize;
    private final UnsafeRow view;
    /** Turns other row classes into UnsafeRows (created on first need; Spark's plans give UnsafeRows). */
    private UnsafeProjection toUnsafe;

    RowArena(StructType schema) {
        this.schema = schema;
        this.view = new UnsafeRow(schema.length());
    }

    void clear() {
        used = 0;
    }

    /** Copies {@code row} in and returns its position; its size is {@link #lastSize()}. */
    int add(InternalRow row) {
        UnsafeRow u;
        if (row instanceof UnsafeRow ur) {
            u = ur;
        } else {
            if (toUnsafe == null) {
                toUnsafe = UnsafeProjection.create(schema);
            }
            u = toUnsafe.apply(row);
        }
        int size = u.getSizeInBytes();
        if ((long) used + size > bytes.length) {
            long c = bytes.length;
            while (c < (long) used + size) {
                c *= 2;
            }
            if (c > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("sigbatch: a chunk's rows take more than 2 GiB; lower batchElements");
            }
            bytes = java.util.Arrays.copyOf(bytes, (int) c);
        }
        int at = used;
        u.writeToMemory(bytes, Platform.BYTE_ARRAY_OFFSET + at);
        used += size;
        lastSize = size;
        return at;
    }

    int lastSize() {
        return lastSize;
    }

    /** The row at {@code pos} of {@code size} bytes, through the shared view. */
    InternalRow row(int pos, int size) {
        view.pointTo(bytes, Platform.BYTE_ARRAY_OFFSET + pos, size);
        return view;
    }
}
