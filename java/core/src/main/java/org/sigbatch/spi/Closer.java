package org.sigbatch.spi;

/**
 * Runs every release step even when some fail, then rethrows the first failure with the others
 * suppressed: native resources are freed as far as possible and no error is lost.
 *
 * <pre>{@code
 * Closer c = new Closer();
 * c.run(stream::destroy);
 * c.run(() -> cuMemFree(p));
 * c.rethrow();
 * }</pre>
 */
public final class Closer {
    private RuntimeException first;

    /** Runs {@code step}, keeping its failure. */
    public void run(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            add(e);
        }
    }

    /** Closes {@code c} if it is not null, keeping its failure. */
    public void close(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (RuntimeException e) {
            add(e);
        } catch (Exception e) {
            add(new IllegalStateException(e));
        }
    }

    public void add(RuntimeException e) {
        if (first == null) {
            first = e;
        } else if (first != e) {
            first.addSuppressed(e);
        }
    }

    /** The first failure, or null. */
    public RuntimeException failure() {
        return first;
    }

    public void rethrow() {
        if (first != null) {
            throw first;
        }
    }
}
