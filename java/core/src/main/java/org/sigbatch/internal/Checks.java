package org.sigbatch.internal;

/** The argument checks shared by the facade, the operands and the device arrays: one message each. */
public final class Checks {
    private Checks() {
    }

    /**
     * Checks that {@code [offset, offset+length)} lies in storage of {@code capacity} elements.
     *
     * @param what names the storage in the message, e.g. {@code x} or a device array (its toString,
     *             only built when the check fails)
     */
    public static void window(Object what, long capacity, long offset, long length) {
        if (length < 0) {
            throw new IllegalArgumentException(what + ": length must be >= 0, got " + length);
        }
        if (offset < 0 || offset > capacity - length) {
            throw new IllegalArgumentException(what + ": offset " + offset + " with length " + length
                    + " is out of range for " + capacity + " elements");
        }
    }

    public static <T> T notNull(T o, String name) {
        if (o == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return o;
    }
}
