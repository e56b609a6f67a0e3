package org.sigbatch.spi.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies between the caller's memory and the staging buffers with several threads: one thread
 * copies a few GB/s, far below a PCIe link, so the host would bind the pipeline. A copy is cut into
 * slices of at least {@link #MIN_SLICE_BYTES}; the calling thread copies one and threads of a
 * shared, bounded pool of daemon threads the others. The pool has as many threads as the largest
 * {@code <backend>.stagingThreads} asked for, minus one (the caller works too), at most
 * {@link #MAX_THREADS}.
 */
public final class StagingCopier {
    /** Slices below this size cost more to hand over than to copy. */
    public static final long MIN_SLICE_BYTES = 1L << 20;
    public static final int MAX_THREADS = 64;
    /** Slices start on this byte boundary, so that no two threads write one cache line or page. */
    private static final int ALIGN_BYTES = 4096;
    /** One thread: the calling one. */
    public static final StagingCopier SERIAL = new StagingCopier(1);

    private static ThreadPoolExecutor pool;

    private final int threads;

    /** @param threads threads per copy, the caller included, in [1, {@link #MAX_THREADS}] */
    public StagingCopier(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("staging threads must be in [1, " + MAX_THREADS + "], got " + threads);
        }
        this.threads = threads;
        if (threads > 1) {
            ensurePool(threads - 1);
        }
    }

    /** min(cores, 8): a few threads saturate a memory channel; more only take cores from the caller's work. */
    public static int defaultThreads() {
        return Math.min(Runtime.getRuntime().availableProcessors(), 8);
    }

    /** {@code <backend>.stagingThreads}. */
    public static String threadsKey(String backend) {
        return backend + ".stagingThreads";
    }

    public int threads() {
        return threads;
    }

    /** A copy of elements {@code [from, from+count)} of a chunk (relative to its start). */
    @FunctionalInterface
    public interface Slice {
        void copy(int from, int count);
    }

    /** The slices {@code {from, count}} a copy of {@code len} elements of {@code elementBytes} is cut into. */
    public List<int[]> slices(int len, int elementBytes) {
        long bytes = (long) len * elementBytes;
        int parts = (int) Math.max(1, Math.min(threads, bytes / MIN_SLICE_BYTES));
        List<int[]> out = new ArrayList<>(parts);
        if (parts == 1) {
            out.add(new int[] {0, len});
            return out;
        }
        long per = (len + (long) parts - 1) / parts;
        long align = Math.max(1, ALIGN_BYTES / elementBytes);
        per = (per + align - 1) / align * align;
        for (long from = 0; from < len; from += per) {
            out.add(new int[] {(int) from, (int) Math.min(per, len - from)});
        }
        return out;
    }

    /**
     * Runs {@code slice} over {@code [0, len)} and returns when every slice is done, also when one
     * failed (the buffers must not be reused while a thread still writes them); then rethrows the
     * first failure.
     */
    public void copy(int len, int elementBytes, Slice slice) {
        List<int[]> parts = slices(len, elementBytes);
        if (parts.size() == 1) {
            slice.copy(0, len);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts.size() - 1);
        Throwable failure = null;
        try {
            for (int k = 1; k < parts.size(); k++) {
                int[] p = parts.get(k);
                futures.add(submit(() -> slice.copy(p[0], p[1])));
            }
        } catch (RejectedExecutionException e) {
            failure = e;
        }
        try {
            if (failure == null) {
                slice.copy(parts.get(0)[0], parts.get(0)[1]);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            Throwable t = awaitUninterruptibly(f);
            if (failure == null) {
                failure = t;
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("staging copy failed: " + failure, failure);
        }
    }

    private static Throwable awaitUninterruptibly(Future<?> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return null;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return e.getCause();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static synchronized Future<?> submit(Runnable r) {
        return pool.submit(r);
    }

    private static synchronized void ensurePool(int size) {
        if (pool == null) {
            AtomicInteger n = new AtomicInteger();
            pool = new ThreadPoolExecutor(size, size, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "sigbatch-staging-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            pool.allowCoreThreadTimeOut(true);
        } else if (pool.getMaximumPoolSize() < size) {
            pool.setMaximumPoolSize(size);
            pool.setCorePoolSize(size);
        }
    }

    /** Threads the shared pool may run (tests). */
    static synchronized int poolSize() {
        return pool == null ? 0 : pool.getMaximumPoolSize();
    }
}
