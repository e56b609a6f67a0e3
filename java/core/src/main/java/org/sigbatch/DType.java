package org.sigbatch;

/** Element type of a batch. */
public enum DType {
    F32(Float.BYTES, "float32"),
    F64(Double.BYTES, "float64");

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

    @Override
    public String toString() {
        return label;
    }
}
