package org.sigbatch;

/** Element type of a batch. */
public enum DType {
    F32(Float.BYTES, "float32"),
    F64(Double.BYTES, "float64"),
    /** IEEE 754 binary16, stored as the raw bits in a {@code short}; computed in double, rounded once. */
    F16(Short.BYTES, "float16"),
    /** bfloat16 (the top 16 bits of a float32), stored as raw bits in a {@code short}; computed in double, rounded once. */
    BF16(Short.BYTES, "bfloat16");

    private final int bytes;
    private final String label;

    DType(int bytes, String label) {
        this.bytes = bytes;
        this.label = label;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** True for the 16-bit storage types {@link #F16} and {@link #BF16}. */
    public boolean isHalf() {
        return bytes == Short.BYTES;
    }

    @Override
    public String toString() {
        return label;
    }
}
