package org.sigbatch;

/**
 * An array that lives in a backend's memory (a GPU's, or the heap for the CPU backend), so that
 * chained calls on the same backend move no bytes between host and device. Created by
 * {@link Sigmoid#allocate(DType, int)} or {@link Sigmoid#upload(float[])}; close it when done: an
 * evaluator closed with arrays still open throws, naming how many leaked.
 */
public interface DeviceArray extends AutoCloseable {
    DType dtype();

    int length();

    /** Id of the backend whose memory holds this array. */
    String backend();

    /** Copies {@code len} floats from {@code src[srcOff..]} to elements {@code [index, index+len)}. */
    void write(int index, float[] src, int srcOff, int len);

    void write(int index, double[] src, int srcOff, int len);

    /** Copies elements {@code [index, index+len)} into {@code dst[dstOff..]}. */
    void read(int index, float[] dst, int dstOff, int len);

    void read(int index, double[] dst, int dstOff, int len);

    /** Copies {@code len} 16-bit patterns into a float16 or bfloat16 array. */
    default void write(int index, short[] src, int srcOff, int len) {
        throw new UnsupportedOperationException(this + " takes no 16-bit data");
    }

    /** Copies elements of a float16 or bfloat16 array out as raw 16-bit patterns. */
    default void read(int index, short[] dst, int dstOff, int len) {
        throw new UnsupportedOperationException(this + " holds no 16-bit data");
    }

    /** True once closed. */
    boolean isClosed();

    @Override
    void close();
}
