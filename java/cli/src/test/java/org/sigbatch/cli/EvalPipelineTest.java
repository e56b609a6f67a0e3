package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlapped read → compute → write stream of eval: order, bounded buffers, and failures in each stage. */
class EvalPipelineTest {
    @TempDir
    Path dir;

    /** Input element i is the int i; compute adds 1 to every element in place; output is checked element by element. */
    private static EvalPipeline.Io counting(FileChannel out, int failAtRead) {
        AtomicInteger reads = new AtomicInteger();
        return new EvalPipeline.Io() {
            @Override
            public void read(int i, long first, int n, ByteBuffer dst) {
                if (reads.incrementAndGet() == failAtRead) {
                    throw new UserError("truncated data (test)");
                }
                for (int k = 0; k < n; k++) {
                    dst.putInt((int) (first + k));
                }
                dst.flip();
            }

            @Override
            public ChunkSink[] sinks() {
                try {
                    return new ChunkSink[] {new ChunkSink.Buffered(out, new byte[0], "")};
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }

    private static final EvalPipeline.Compute PLUS_ONE = s -> {
        for (int k = 0; k < s.n; k++) {
            s.in[0].putInt(k * 4, s.in[0].getInt(k * 4) + 1);
        }
    };

    @Test
    void everyChunkIsComputedOnceAndWrittenInOrderThroughThreeBufferSets() throws IOException {
        Path f = dir.resolve("out.bin");
        long count = 10_007; // 10 full chunks of 1000 and a short one
        List<Long> firsts = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        EvalPipeline.Times t;
        try (FileChannel out = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            t = new EvalPipeline(4, 1, false, count, 1000).run(counting(out, -1), s -> {
                firsts.add(s.first);
                if (buffers.stream().noneMatch(b -> b == s.rawIn[0])) {
                    buffers.add(s.rawIn[0]);
                }
                PLUS_ONE.apply(s);
            });
        }
        assertEquals(11, firsts.size());
        for (int i = 0; i < firsts.size(); i++) {
            assertEquals(i * 1000L, firsts.get(i));
        }
        assertTrue(buffers.size() <= EvalPipeline.SLOTS, "memory is bounded by the slots: " + buffers.size() + " buffers");
        assertTrue(buffers.stream().allMatch(ByteBuffer::isDirect));
        assertTrue(firsts.size() > 0);
        ByteBuffer got = ByteBuffer.wrap(Files.readAllBytes(f)).order(java.nio.ByteOrder.LITTLE_ENDIAN); // the slots are little-endian, as .npy data is
        assertEquals(count * 4, got.capacity());
        for (int i = 0; i < count; i++) {
            assertEquals(i + 1, got.getInt(i * 4), "element " + i);
        }
        assertTrue(t.read() > 0 && t.compute() > 0 && t.write() > 0 && t.wall() >= t.compute(), t.toString());
    }

    @Test
    void aReadErrorStopsTheStreamAndIsThrownAsItWas() throws IOException {
        try (FileChannel out = FileChannel.open(dir.resolve("o"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            UserError e = assertThrows(UserError.class, () -> new EvalPipeline(4, 1, false, 50_000, 1000).run(counting(out, 7), PLUS_ONE));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void aComputeErrorStopsTheStream() throws IOException {
        try (FileChannel out = FileChannel.open(dir.resolve("o"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            AtomicInteger n = new AtomicInteger();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new EvalPipeline(4, 1, false, 50_000, 1000).run(counting(out, -1), s -> {
                if (n.incrementAndGet() == 5) {
                    throw new IllegalStateException("backend failed (test)");
                }
            }));
            assertEquals("backend failed (test)", e.getMessage());
        }
    }

    @Test
    void aWriteErrorStopsTheStream() throws IOException {
        Path f = dir.resolve("ro");
        Files.write(f, new byte[0]);
        try (FileChannel readOnly = FileChannel.open(f, StandardOpenOption.READ)) {
            assertThrows(NonWritableChannelException.class, () -> new EvalPipeline(4, 1, false, 50_000, 1000).run(counting(readOnly, -1), PLUS_ONE));
        }
    }

    @Test
    void aFullDiskIsTheIoExceptionOfTheWrite() throws IOException {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), "no /dev/full on this system");
        try (FileChannel out = FileChannel.open(full, StandardOpenOption.WRITE)) {
            IOException e = assertThrows(IOException.class, () -> new EvalPipeline(4, 1, false, 50_000, 1000).run(counting(out, -1), PLUS_ONE));
            assertTrue(e.getMessage().toLowerCase().contains("space"), e.getMessage());
        }
    }

    @Test
    void memoryIsSlotsTimesBuffersTimesChunk() {
        assertEquals(3L * 2 * (4_194_304 * 4 + EvalPipeline.PAD), EvalPipeline.memory(4, 1, true, 4_194_304));
        assertEquals(3L * 2 * (1000 * 8 + EvalPipeline.PAD), EvalPipeline.memory(8, 2, false, 1000));
    }
}
