package org.sigbatch.cli;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The streaming engine of {@code sigbatch eval}: a reader thread reads chunk i+1 while the calling
 * thread computes chunk i and a writer thread writes chunk i−1. {@link #SLOTS} sets of chunk buffers
 * circulate between the three, so memory stays bounded whatever the file size.
 *
 * <p>The buffers are direct: the file channels read into them and write from them with one copy each
 * (page cache ↔ buffer), and the computation runs on them in place (the CPU backend stages them
 * through cache-sized heap blocks; there is no chunk-sized heap copy). While chunks are written, a
 * flusher thread asks the kernel to write the output to disk every {@link #FLUSH_BYTES} bytes, so
 * the disk works during the run rather than only in the final {@code force} before the rename.
 *
 * <p>Errors in any stage stop the others; the first one is thrown from {@link #run} as it was thrown
 * (a {@link UserError} for a truncated input, the {@link IOException} of a full disk, ...).
 */
final class EvalPipeline {
    static final int SLOTS = 3;
    static final long FLUSH_BYTES = 16L << 20;

    /** Bytes each buffer has beyond a chunk: room for aligning its start and end (alignedSlice trims both) and for a sink's {@link ChunkSink#lead}. */
    static final int PAD = 3 * DirectSink.ALIGN;

    /**
     * One chunk: inputs read from the files, computed in place; {@code extra} holds fused's second output.
     * {@code in} and {@code extra} are this chunk's windows (position 0, n elements) into the aligned
     * buffers {@code rawIn}/{@code rawExtra}, starting {@code lead} bytes in for the sink of the output
     * they become.
     */
    static final class Slot {
        final ByteBuffer[] rawIn;
        final ByteBuffer rawExtra;
        final ByteBuffer[] in;
        ByteBuffer extra;
        final int[] lead = new int[2]; // of in[0] (the first output) and of extra (the second)
        long first;
        int n;

        Slot(int inputs, boolean extra, int capBytes) {
            rawIn = new ByteBuffer[inputs];
            in = new ByteBuffer[inputs];
            for (int i = 0; i < inputs; i++) {
                rawIn[i] = aligned(capBytes);
            }
            this.rawExtra = extra ? aligned(capBytes) : null;
        }

        private static ByteBuffer aligned(int capBytes) {
            return ByteBuffer.allocateDirect(capBytes + PAD).alignedSlice(DirectSink.ALIGN).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Sets the windows for elements [first, first+n) of {@code bytes} each; the outputs' windows start at the sinks' leads. */
        void place(long first, int n, int bytes, ChunkSink[] sinks) {
            this.first = first;
            this.n = n;
            lead[0] = sinks[0].lead(first * bytes);
            for (int i = 0; i < in.length; i++) {
                in[i] = window(rawIn[i], i == 0 ? lead[0] : 0, n * bytes);
            }
            if (rawExtra != null) {
                lead[1] = sinks[1].lead(first * bytes);
                extra = window(rawExtra, lead[1], n * bytes);
            }
        }

        private static ByteBuffer window(ByteBuffer raw, int lead, int len) {
            return raw.slice(lead, len).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Where a chunk's inputs come from and its outputs go. */
    interface Io {
        /** Reads input {@code i} of elements [first, first+n) into {@code dst} (position 0, limit n·bytes). */
        void read(int i, long first, int n, ByteBuffer dst) throws IOException;

        /** Outputs in order: the first gets {@code in[0]} (computed in place), the second {@code extra}. */
        ChunkSink[] sinks();
    }

    /** Computes a slot in place; runs on the calling thread, chunk by chunk in order. */
    interface Compute {
        void apply(Slot s) throws IOException;
    }

    /** The wait before the first chunk, busy time of each stage (they overlap), the final flush and the whole run, in nanoseconds. */
    record Times(long prepare, long read, long compute, long write, long flush, long wall) {
    }

    private static final Slot END = new Slot(0, false, 0);

    private final int bytes;
    private final int inputs;
    private final boolean extra;
    private final long count;
    private final int cap;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final BlockingQueue<Slot> free = new ArrayBlockingQueue<>(SLOTS + 1);
    private final BlockingQueue<Slot> filled = new ArrayBlockingQueue<>(SLOTS + 2);
    private final BlockingQueue<Slot> computed = new ArrayBlockingQueue<>(SLOTS + 1);
    private volatile long readNanos;
    private volatile long writeNanos;

    /**
     * @param bytes  bytes per element
     * @param inputs input files per chunk (x, and g for the backward ops)
     * @param extra  whether there is a second output (fused)
     * @param cap    elements per chunk
     */
    EvalPipeline(int bytes, int inputs, boolean extra, long count, int cap) {
        this.bytes = bytes;
        this.inputs = inputs;
        this.extra = extra;
        this.count = count;
        this.cap = cap;
    }

    /** Direct memory the slots take. */
    static long memory(int bytes, int inputs, boolean extra, int cap) {
        return (long) SLOTS * (inputs + (extra ? 1 : 0)) * ((long) cap * bytes + PAD);
    }

    Times run(Io io, Compute compute) throws IOException {
        return run(io, () -> { }, compute);
    }

    /** @param prepare runs on the calling thread once the reader has started, before the first chunk is computed */
    Times run(Io io, Runnable prepare, Compute compute) throws IOException {
        long t0 = System.nanoTime();
        ChunkSink[] sinks = io.sinks();
        Flusher flusher = new Flusher(sinks);
        Thread reader = thread("sigbatch-eval-reader", () -> read(io, sinks));
        Thread writer = thread("sigbatch-eval-writer", () -> write(sinks, flusher));
        long computeNanos = 0;
        long prepareNanos = 0;
        try {
            long p0 = System.nanoTime();
            prepare.run();
            prepareNanos = System.nanoTime() - p0;
            while (true) {
                Slot s = take(filled);
                if (s == END) {
                    break;
                }
                long c0 = System.nanoTime();
                compute.apply(s);
                computeNanos += System.nanoTime() - c0;
                computed.put(s);
            }
            computed.put(END);
            writer.join();
            flusher.finish();
            rethrowFailure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while streaming the arrays");
        } catch (RuntimeException | IOException | Error e) {
            failure.compareAndSet(null, e);
            throw e;
        } finally {
            if (failure.get() != null) {
                reader.interrupt();
                writer.interrupt();
                flusher.abandon();
            }
            joinQuietly(reader);
            joinQuietly(writer);
        }
        return new Times(prepareNanos, readNanos, computeNanos, writeNanos, flusher.finalNanos, System.nanoTime() - t0);
    }

    private void read(Io io, ChunkSink[] sinks) {
        try {
            long t = 0;
            int made = 0;
            for (long first = 0; first < count; ) {
                // the buffers are made here as they are first needed: allocating (and zeroing) them overlaps
                // the first chunks' compute instead of delaying the first read
                Slot s = free.poll();
                if (s == null && made < SLOTS) {
                    s = new Slot(inputs, extra, cap * bytes);
                    made++;
                } else if (s == null) {
                    s = free.take();
                }
                int n = (int) Math.min(cap, count - first);
                s.place(first, n, bytes, sinks);
                long r0 = System.nanoTime();
                for (int i = 0; i < inputs; i++) {
                    ByteBuffer b = s.in[i];
                    io.read(i, first, n, b);
                    b.position(0).limit(n * bytes);
                }
                t += System.nanoTime() - r0;
                readNanos = t;
                filled.put(s);
                first += n;
            }
            filled.put(END);
        } catch (InterruptedException e) {
            // stopped by a failure elsewhere
        } catch (Throwable e) {
            fail(e);
        }
    }

    private void write(ChunkSink[] sinks, Flusher flusher) {
        try {
            long t = 0;
            long sinceFlush = 0;
            while (true) {
                Slot s = computed.take();
                long w0 = System.nanoTime();
                if (s == END) {
                    for (ChunkSink k : sinks) {
                        k.finish();
                    }
                    writeNanos = t + System.nanoTime() - w0;
                    return;
                }
                sinks[0].write(s.rawIn[0], s.lead[0], s.n * bytes);
                if (extra) {
                    sinks[1].write(s.rawExtra, s.lead[1], s.n * bytes);
                }
                t += System.nanoTime() - w0;
                writeNanos = t;
                sinceFlush += (long) s.n * bytes * sinks.length;
                if (sinceFlush >= FLUSH_BYTES) {
                    flusher.request();
                    sinceFlush = 0;
                }
                free.put(s);
            }
        } catch (InterruptedException e) {
            // stopped by a failure elsewhere
        } catch (Throwable e) {
            fail(e);
        }
    }

    /** Records the first failure and wakes the computing thread, which rethrows it. */
    private void fail(Throwable e) {
        failure.compareAndSet(null, e);
        filled.offer(END);
    }

    private Slot take(BlockingQueue<Slot> q) throws InterruptedException, IOException {
        Slot s = q.take();
        if (failure.get() != null) {
            rethrowFailure();
        }
        return s;
    }

    private void rethrowFailure() throws IOException {
        Throwable e = failure.get();
        if (e == null) {
            return;
        }
        if (e instanceof IOException io) {
            throw io;
        }
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException(e);
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
                t.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Asks the kernel to write the outputs to disk while the run goes on (fdatasync on a thread of its
     * own, at most one at a time), so that the final flush before the rename has little left to do.
     */
    private final class Flusher {
        private final List<FileChannel> outs = new ArrayList<>();
        private final Object lock = new Object();
        private boolean requested;
        private boolean done;
        private Thread thread;
        long finalNanos;

        Flusher(ChunkSink[] sinks) {
            for (ChunkSink k : sinks) {
                if (k.flushesPageCache()) {
                    outs.add(k.channel());
                }
            }
        }

        void request() {
            if (outs.isEmpty()) {
                return;
            }
            synchronized (lock) {
                if (thread == null) {
                    thread = EvalPipeline.thread("sigbatch-eval-flusher", this::loop);
                }
                requested = true;
                lock.notifyAll();
            }
        }

        private void loop() {
            try {
                while (true) {
                    synchronized (lock) {
                        while (!requested && !done) {
                            lock.wait();
                        }
                        if (!requested) {
                            return;
                        }
                        requested = false;
                    }
                    for (FileChannel ch : outs) {
                        ch.force(false);
                    }
                }
            } catch (InterruptedException e) {
                // abandoned
            } catch (IOException e) {
                fail(e);
            }
        }

        /** Waits for the background flushes, then flushes what is left; the time of that last part is the run's "flush". */
        void finish() throws IOException, InterruptedException {
            synchronized (lock) {
                done = true;
                requested = false;
                lock.notifyAll();
            }
            long f0 = System.nanoTime();
            if (thread != null) {
                thread.join();
            }
            for (FileChannel ch : outs) {
                ch.force(false);
            }
            finalNanos = System.nanoTime() - f0;
        }

        void abandon() {
            synchronized (lock) {
                done = true;
                requested = false;
                lock.notifyAll();
            }
            if (thread != null) {
                thread.interrupt();
            }
        }
    }
}
