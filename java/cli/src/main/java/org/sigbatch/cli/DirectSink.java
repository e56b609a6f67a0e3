package org.sigbatch.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * An output written with O_DIRECT: whole {@link #ALIGN}-byte blocks at aligned file offsets, from
 * aligned buffers, so the data goes from the chunk buffer to the device without page-cache pages.
 *
 * <p>The .npy header and each chunk's last partial block are held back ({@code carry}) and written
 * in front of the next chunk's data, in the {@link #lead} bytes the reader left free before it; the
 * last partial block is written zero-padded and the file is then truncated to its exact size.
 * Where the device refuses a direct write before anything was written (EINVAL), the sink goes on with
 * positional buffered writes, so a file system that opens O_DIRECT but does not do it still works.
 */
final class DirectSink implements ChunkSink {
    /** Block size of the direct writes: a multiple of every common logical block size (512, 4096). */
    static final int ALIGN = 4096;

    private final FileChannel buffered;
    private FileChannel direct; // null after a fallback to buffered writes
    private final ByteBuffer carry = ByteBuffer.allocateDirect(2 * ALIGN).alignedSlice(ALIGN).limit(ALIGN);
    private final int headerLen;
    private int carryLen; // bytes of the file from pos on that are held back in carry
    private long pos;     // file offset of carry's first byte (aligned while direct)
    private String fellBack = "";

    DirectSink(FileChannel buffered, FileChannel direct, byte[] header) {
        if (header.length >= ALIGN) {
            throw new IllegalArgumentException("header of " + header.length + " bytes: O_DIRECT needs it below " + ALIGN);
        }
        this.buffered = buffered;
        this.direct = direct;
        this.headerLen = header.length;
        carry.put(0, header);
        carryLen = header.length;
    }

    @Override
    public int lead(long dataOffset) {
        return (int) ((headerLen + dataOffset) % ALIGN);
    }

    @Override
    public void write(ByteBuffer buf, int lead, int len) throws IOException {
        if (carryLen > lead) {
            throw new IllegalStateException("chunk lead " + lead + " < held-back " + carryLen + " bytes");
        }
        int start = lead - carryLen; // 0 while direct: the held-back bytes are exactly the lead
        buf.put(start, carry, 0, carryLen);
        int end = lead + len;
        int upTo = direct == null ? end : start + ((end - start) & -ALIGN);
        writeAt(buf, start, upTo);
        carryLen = end - upTo;
        carry.put(0, buf, upTo, carryLen);
    }

    private void writeAt(ByteBuffer buf, int from, int to) throws IOException {
        ByteBuffer b = buf.duplicate().limit(to).position(from);
        if (direct != null) {
            try {
                writeAll(direct, b, pos);
            } catch (IOException e) {
                if (pos != 0 || b.position() != from || !String.valueOf(e.getMessage()).contains("Invalid argument")) {
                    throw e;
                }
                // nothing written yet: this device takes O_DIRECT opens, not writes
                fellBack = ": O_DIRECT write refused (" + e.getMessage() + ")";
                direct.close();
                direct = null;
            }
            if (direct == null) {
                writeAll(buffered, b.position(from), pos);
            }
        } else {
            writeAll(buffered, b, pos);
        }
        pos += to - from;
    }

    @Override
    public void finish() throws IOException {
        long size = pos + carryLen;
        if (carryLen > 0) {
            if (direct != null) { // a whole block, zero-padded, then cut back to the file's size
                for (int i = carryLen; i < ALIGN; i++) {
                    carry.put(i, (byte) 0);
                }
                writeAt(carry, 0, ALIGN);
            } else {
                writeAt(carry, 0, carryLen);
            }
            carryLen = 0;
            if (pos > size) {
                buffered.truncate(size);
            }
        }
        if (direct != null) {
            direct.close();
            direct = null;
        }
    }

    @Override
    public boolean flushesPageCache() {
        return false;
    }

    @Override
    public FileChannel channel() {
        return buffered;
    }

    @Override
    public String mode() {
        return fellBack.isEmpty() ? "O_DIRECT" : "buffered" + fellBack;
    }

    private static void writeAll(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }
}
