package org.sigbatch.cli;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Where {@link EvalPipeline}'s writer puts one output's chunks, in order: the .npy header first, then
 * each chunk's data. Two ways, chosen per output by {@link #open}:
 * <ul>
 * <li>{@link Buffered}: write(2) through the page cache, which a flusher forces to disk as the run
 *     goes on. Every page of the output is allocated and copied by the one writer thread.</li>
 * <li>{@link DirectSink}: O_DIRECT, from the chunk buffers straight to the device, no page cache. On
 *     this project's VMs page-cache allocation is the bottleneck (1.2 GB: 3-4 s buffered with
 *     fdatasync, 0.7 s with O_DIRECT, dd on the same disk; docs/first-call.md).</li>
 * </ul>
 * A chunk's data sits in its buffer after {@link #lead} free bytes, which the sink may fill with bytes
 * it held back from the previous chunk (O_DIRECT writes whole aligned blocks only).
 */
interface ChunkSink {
    /** Outputs of at least this many bytes are written with O_DIRECT where the file system allows it (write mode auto). */
    long DIRECT_MIN_BYTES = 64L << 20;

    /** Free bytes before the data of a chunk whose data starts {@code dataOffset} bytes after the header. */
    int lead(long dataOffset);

    /**
     * Writes {@code len} bytes of data at {@code buf[lead, lead+len)}; {@code buf[0, lead)} may be overwritten.
     * {@code buf} is direct and aligned to {@link DirectSink#ALIGN}.
     */
    void write(ByteBuffer buf, int lead, int len) throws IOException;

    /** Writes what was held back; after it the file holds the header and every chunk. */
    void finish() throws IOException;

    /** Whether forcing the page cache to disk during the run helps (buffered writes), or the data is on the device already. */
    boolean flushesPageCache();

    /** The output's ordinary channel (the flusher forces it; {@link AtomicOutput#commit} forces and renames it). */
    FileChannel channel();

    /** "O_DIRECT", "buffered", or why it is buffered ("buffered: ..."), for eval's summary. */
    String mode();

    /** auto: O_DIRECT for large outputs where it opens; direct: O_DIRECT where it opens; buffered: never. */
    enum WriteMode {
        AUTO, DIRECT, BUFFERED;

        static WriteMode parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown write mode '" + s + "' (expected auto, direct or buffered)");
            }
        }
    }

    /** The sink for {@code out}, its header written or held. A file system without O_DIRECT (tmpfs) gets a buffered sink. */
    static ChunkSink open(AtomicOutput out, byte[] header, long dataBytes, WriteMode mode) throws IOException {
        boolean want = mode == WriteMode.DIRECT || (mode == WriteMode.AUTO && dataBytes >= DIRECT_MIN_BYTES);
        String why = "";
        if (want && header.length < DirectSink.ALIGN && DirectSink.ALIGN % Math.max(1, Files.getFileStore(out.temp()).getBlockSize()) == 0) {
            FileChannel direct = null;
            try {
                direct = FileChannel.open(out.temp(), StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                why = ": no O_DIRECT here (" + Main.oneLine(e.getMessage()) + ")";
            }
            if (direct != null) {
                return new DirectSink(out.channel(), direct, header);
            }
        } else if (want) {
            why = ": the file system's block size or the header does not suit O_DIRECT";
        }
        return new Buffered(out.channel(), header, why);
    }

    /** write(2) through the page cache, in order. */
    final class Buffered implements ChunkSink {
        private final FileChannel ch;
        private final String why;

        Buffered(FileChannel ch, byte[] header, String why) throws IOException {
            this.ch = ch;
            this.why = why;
            writeAll(ch, ByteBuffer.wrap(header));
        }

        @Override
        public int lead(long dataOffset) {
            return 0;
        }

        @Override
        public void write(ByteBuffer buf, int lead, int len) throws IOException {
            writeAll(ch, buf.duplicate().limit(lead + len).position(lead));
        }

        @Override
        public void finish() {
        }

        @Override
        public boolean flushesPageCache() {
            return true;
        }

        @Override
        public FileChannel channel() {
            return ch;
        }

        @Override
        public String mode() {
            return "buffered" + why;
        }

        private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }
}
