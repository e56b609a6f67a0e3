package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * eval's O_DIRECT output: whatever the header and chunk sizes, the file holds exactly the bytes a
 * plain sequential write gives, every direct write is aligned (position, length and memory), and a
 * device that refuses O_DIRECT writes is written buffered instead.
 */
class DirectSinkTest {
    @TempDir
    Path dir;

    /** The channel DirectSink writes "direct" to: checks O_DIRECT's alignment rules, can refuse writes with EINVAL. */
    static final class CheckedChannel extends FileChannel {
        final FileChannel real;
        int writes;
        int refuseWrite = -1; // this write (0-based) throws EINVAL

        CheckedChannel(FileChannel real) {
            this.real = real;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (writes++ == refuseWrite) {
                throw new IOException("Invalid argument");
            }
            assertEquals(0, position % DirectSink.ALIGN, "file position");
            assertEquals(0, src.remaining() % DirectSink.ALIGN, "length");
            assertTrue(src.isDirect());
            assertEquals(0, src.alignmentOffset(src.position(), DirectSink.ALIGN), "memory address");
            return real.write(src, position);
        }

        @Override public int read(ByteBuffer dst) { throw new UnsupportedOperationException(); }
        @Override public long read(ByteBuffer[] dsts, int offset, int length) { throw new UnsupportedOperationException(); }
        @Override public int write(ByteBuffer src) { throw new AssertionError("direct writes are positional"); }
        @Override public long write(ByteBuffer[] srcs, int offset, int length) { throw new AssertionError("direct writes are positional"); }
        @Override public long position() { throw new UnsupportedOperationException(); }
        @Override public FileChannel position(long newPosition) { throw new UnsupportedOperationException(); }
        @Override public long size() throws IOException { return real.size(); }
        @Override public FileChannel truncate(long size) { throw new AssertionError("the sink truncates through its buffered channel"); }
        @Override public void force(boolean metaData) throws IOException { real.force(metaData); }
        @Override public long transferTo(long position, long count, WritableByteChannel target) { throw new UnsupportedOperationException(); }
        @Override public long transferFrom(ReadableByteChannel src, long position, long count) { throw new UnsupportedOperationException(); }
        @Override public int read(ByteBuffer dst, long position) { throw new UnsupportedOperationException(); }
        @Override public MappedByteBuffer map(MapMode mode, long position, long size) { throw new UnsupportedOperationException(); }
        @Override public FileLock lock(long position, long size, boolean shared) { throw new UnsupportedOperationException(); }
        @Override public FileLock tryLock(long position, long size, boolean shared) { throw new UnsupportedOperationException(); }
        @Override protected void implCloseChannel() throws IOException { real.close(); }
    }

    /** Streams header + data through a DirectSink in chunks of {@code chunk} bytes, as EvalPipeline's writer does; returns the file. */
    private byte[] stream(byte[] header, byte[] data, int chunk, int refuseWrite, String[] mode) throws IOException {
        Path f = dir.resolve("out-" + System.nanoTime());
        try (FileChannel buffered = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             CheckedChannel direct = new CheckedChannel(FileChannel.open(f, StandardOpenOption.WRITE))) {
            direct.refuseWrite = refuseWrite;
            DirectSink sink = new DirectSink(buffered, direct, header);
            ByteBuffer buf = ByteBuffer.allocateDirect(chunk + EvalPipeline.PAD).alignedSlice(DirectSink.ALIGN);
            for (int off = 0; off < data.length; off += chunk) {
                int len = Math.min(chunk, data.length - off);
                int lead = sink.lead(off);
                buf.put(lead, data, off, len);
                sink.write(buf, lead, len);
            }
            sink.finish();
            mode[0] = sink.mode();
        }
        return Files.readAllBytes(f);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @ParameterizedTest(name = "header {0} B, data {1} B in chunks of {2} B")
    @CsvSource({"128, 0, 4096", "128, 4, 4", "128, 4000, 4000", "128, 40000, 4000", "64, 1000000, 16384", "128, 1000004, 12292",
            "4032, 8192, 4096", "4032, 8193, 64", "192, 4096, 4096", "128, 3968, 3968", "128, 3969, 1000", "128, 12160, 4096"})
    void theFileHoldsTheBytesOfAPlainSequentialWrite(int headerLen, int dataLen, int chunk) throws IOException {
        Random r = new Random(headerLen * 31L + dataLen);
        byte[] header = new byte[headerLen];
        byte[] data = new byte[dataLen];
        r.nextBytes(header);
        r.nextBytes(data);
        String[] mode = new String[1];
        assertArrayEquals(concat(header, data), stream(header, data, chunk, -1, mode));
        assertEquals("O_DIRECT", mode[0]);
    }

    @Test
    void aDeviceThatRefusesTheFirstDirectWriteIsWrittenBuffered() throws IOException {
        byte[] header = new byte[128];
        byte[] data = new byte[100_000];
        new Random(7).nextBytes(data);
        String[] mode = new String[1];
        assertArrayEquals(concat(header, data), stream(header, data, 16384, 0, mode));
        assertTrue(mode[0].startsWith("buffered: O_DIRECT write refused (Invalid argument)"), mode[0]);
    }

    @Test
    void aRefusalAfterDataWasWrittenIsAnError() {
        byte[] data = new byte[100_000];
        IOException e = assertThrows(IOException.class, () -> stream(new byte[128], data, 16384, 2, new String[1]));
        assertEquals("Invalid argument", e.getMessage());
    }

    @Test
    void aHeaderOfABlockOrMoreIsRejected() throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("h"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertThrows(IllegalArgumentException.class, () -> new DirectSink(ch, ch, new byte[DirectSink.ALIGN]));
        }
    }

    /** Through eval, on the file system of the test's temporary directory: direct and buffered give the same files. */
    @Test
    void evalWritesTheSameFilesEitherWay() throws IOException {
        Path x = dir.resolve("x.npy");
        int n = 250_007;
        ByteBuffer data = ByteBuffer.allocate(n * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(3);
        for (int i = 0; i < n; i++) {
            data.putFloat((float) (r.nextGaussian() * 8));
        }
        try (OutputStream o = Files.newOutputStream(x)) {
            o.write(org.sigbatch.cli.npy.Npy.header("<f4", new long[] {n}, false));
            o.write(data.array());
        }
        byte[][] got = new byte[2][];
        String[] modes = {"direct", "buffered"};
        String directSummary = null;
        for (int k = 0; k < 2; k++) {
            Path y = dir.resolve("y-" + modes[k] + ".npy");
            Path d = dir.resolve("d-" + modes[k] + ".npy");
            Cli.Result res = Cli.run("eval", "--op", "fused", "--in", x.toString(), "--out", y.toString(), "--out2", d.toString(),
                    "--chunk", "10000", "--write-mode", modes[k]);
            assertEquals(0, res.code(), res.err());
            got[k] = concat(Files.readAllBytes(y), Files.readAllBytes(d));
            if (k == 0) {
                directSummary = res.err();
            } else {
                assertTrue(res.err().contains("(overlapped, buffered)"), res.err());
            }
        }
        assertArrayEquals(got[1], got[0]);
        Assumptions.assumeTrue(directSummary.contains("(overlapped, O_DIRECT)"),
                "the temporary directory's file system has no O_DIRECT, so eval wrote buffered: " + directSummary);
    }
}
