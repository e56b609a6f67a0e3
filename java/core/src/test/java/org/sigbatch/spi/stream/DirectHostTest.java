package org.sigbatch.spi.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.DeviceMemory;
import org.sigbatch.testing.SimulatedBackendProvider;
import org.sigbatch.testing.SimulatedEngine;

/**
 * Direct buffers used in place ({@link DirectHost}) and the multi-threaded staging copies, on the
 * simulated device: which operands go direct, that chunks stay within their registered pieces, that
 * every registration is undone after success, failure and refusal, and that results are right.
 */
class DirectHostTest {
    private static final int CHUNK = 100;

    /** Registers everything (min 0), in pieces of 3 chunks of float32. */
    private static Pipeline pipeline(int failAtChunk) {
        return new Pipeline("sim", failAtChunk, 2, 0, 3L * CHUNK * 4);
    }

    private static FloatBuffer direct(int n, long seed, ByteOrder order) {
        FloatBuffer b = ByteBuffer.allocateDirect(n * 4).order(order).asFloatBuffer();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b.put(i, (float) (r.nextDouble() * 40 - 20));
        }
        return b;
    }

    private static Batch batch(Op op, List<Operand> in, List<Operand> out) {
        return new Batch(DType.F32, in.get(0).length(), in, out);
    }

    private static void checkSigmoid(FloatBuffer x, FloatBuffer y, int n) {
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(y.get(i), OpReference.f32(Op.SIGMOID, 0, x.get(i), 0)) <= 1, "element " + i);
        }
    }

    @Test
    void directInputAndOutputSkipStagingAndAreUnregisteredAfter() throws Exception {
        int n = 1050; // 11 chunks, 4 pieces of up to 3 chunks
        FloatBuffer x = direct(n, 1, ByteOrder.nativeOrder());
        FloatBuffer y = direct(n, 2, ByteOrder.nativeOrder());
        DeviceMemory mem = new DeviceMemory("sim");
        SimulatedEngine e = new SimulatedEngine(3, CHUNK, mem);
        pipeline(-1).run(new ChunkPlan(n, CHUNK, 3), e, Op.SIGMOID,
                batch(Op.SIGMOID, List.of(new Operand.F32Buffer(x, 0, n)), List.of(new Operand.F32Buffer(y, 0, n))));
        checkSigmoid(x, y, n);
        assertEquals(2 * 11, e.directCopies(), "every chunk of x and y went straight from and to the caller's memory");
        assertEquals(0, mem.hostRegistrations());
        assertEquals(0, mem.hostRegisteredBytes());
    }

    @Test
    void aWindowAtAnOffsetRegistersFromItsFirstElement() throws Exception {
        int n = 700;
        FloatBuffer x = direct(n + 37, 3, ByteOrder.nativeOrder());
        FloatBuffer y = direct(n + 11, 4, ByteOrder.nativeOrder());
        DeviceMemory mem = new DeviceMemory("sim");
        SimulatedEngine e = new SimulatedEngine(2, CHUNK, mem);
        pipeline(-1).run(new ChunkPlan(n, CHUNK, 2), e, Op.SIGMOID,
                batch(Op.SIGMOID, List.of(new Operand.F32Buffer(x, 37, n)), List.of(new Operand.F32Buffer(y, 11, n))));
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(y.get(11 + i), OpReference.f32(Op.SIGMOID, 0, x.get(37 + i), 0)) <= 1, "element " + i);
        }
        assertEquals(14, e.directCopies());
        assertEquals(0, mem.hostRegisteredBytes());
    }

    /** In place, the output overlaps the input: it is staged (drained in order), the input still goes direct. */
    @Test
    void anInPlaceOutputIsStagedAndTheInputsSurviveAFailure() {
        int n = 1000;
        FloatBuffer x = direct(n, 5, ByteOrder.nativeOrder());
        float[] original = new float[n];
        x.get(0, original);
        DeviceMemory mem = new DeviceMemory("sim");
        SimulatedEngine e = new SimulatedEngine(3, CHUNK, mem);
        Operand xo = new Operand.F32Buffer(x, 0, n);
        BackendFailure f = assertThrows(BackendFailure.class,
                () -> pipeline(6).run(new ChunkPlan(n, CHUNK, 3), e, Op.SIGMOID, batch(Op.SIGMOID, List.of(xo), List.of(xo))));
        long done = f.completed();
        assertEquals(4 * CHUNK, done, "chunks 0..3 drained before chunk 6's kernel");
        for (int i = 0; i < n; i++) {
            if (i < done) {
                assertTrue(Ulps.error(x.get(i), OpReference.f32(Op.SIGMOID, 0, original[i], 0)) <= 1, "final at " + i);
            } else {
                assertEquals(Float.floatToRawIntBits(original[i]), Float.floatToRawIntBits(x.get(i)), "input intact at " + i);
            }
        }
        assertTrue(e.directCopies() > 0, "the input went direct");
        assertEquals(0, mem.hostRegistrations(), "unregistered after the failure");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 5})
    void aRefusedRegistrationStagesThatOperandAndUndoesItsPieces(int refused) throws Exception {
        int n = 1050; // x: registrations 0..3, y: 4..7
        FloatBuffer x = direct(n, 6, ByteOrder.nativeOrder());
        FloatBuffer y = direct(n, 7, ByteOrder.nativeOrder());
        DeviceMemory mem = new DeviceMemory("sim");
        SimulatedEngine e = new SimulatedEngine(2, CHUNK, mem);
        e.refuseRegistration(refused);
        pipeline(-1).run(new ChunkPlan(n, CHUNK, 2), e, Op.SIGMOID,
                batch(Op.SIGMOID, List.of(new Operand.F32Buffer(x, 0, n)), List.of(new Operand.F32Buffer(y, 0, n))));
        checkSigmoid(x, y, n);
        assertEquals(11, e.directCopies(), "one operand direct, the refused one staged");
        assertEquals(0, mem.hostRegistrations());
        assertEquals(0, mem.hostRegisteredBytes());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 7, 10})
    void injectedFailuresLeaveNothingRegistered(int chunk) {
        int n = 1050;
        FloatBuffer x = direct(n, 8, ByteOrder.nativeOrder());
        FloatBuffer g = direct(n, 9, ByteOrder.nativeOrder());
        FloatBuffer gi = direct(n, 10, ByteOrder.nativeOrder());
        DeviceMemory mem = new DeviceMemory("sim");
        SimulatedEngine e = new SimulatedEngine(3, CHUNK, mem);
        Batch b = batch(Op.BACKWARD, List.of(new Operand.F32Buffer(x, 0, n), new Operand.F32Buffer(g, 0, n)),
                List.of(new Operand.F32Buffer(gi, 0, n)));
        BackendFailure f = assertThrows(BackendFailure.class, () -> pipeline(chunk).run(new ChunkPlan(n, CHUNK, 3), e, Op.BACKWARD, b));
        assertEquals((long) CHUNK * Math.max(0, chunk - 2), f.completed());
        assertEquals(0, mem.hostRegistrations());
        assertEquals(0, mem.hostRegisteredBytes());
    }

    @Test
    void smallHeapAndForeignOrderOperandsAreStaged() throws Exception {
        int n = 300;
        FloatBuffer swapped = direct(n, 11, ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        FloatBuffer heap = FloatBuffer.allocate(n);
        DeviceMemory mem = new DeviceMemory("sim");
        SimulatedEngine e = new SimulatedEngine(2, CHUNK, mem);
        pipeline(-1).run(new ChunkPlan(n, CHUNK, 2), e, Op.SIGMOID,
                batch(Op.SIGMOID, List.of(new Operand.F32Buffer(swapped, 0, n)), List.of(new Operand.F32Buffer(heap, 0, n))));
        checkSigmoid(swapped, heap, n);
        assertEquals(0, e.directCopies(), "a foreign byte order would reach the device swapped; heap memory moves");
        FloatBuffer x = direct(n, 12, ByteOrder.nativeOrder());
        FloatBuffer y = direct(n, 13, ByteOrder.nativeOrder());
        SimulatedEngine small = new SimulatedEngine(2, CHUNK, mem);
        new Pipeline("sim", -1, 1, (long) n * 4 + 1, 1L << 30).run(new ChunkPlan(n, CHUNK, 2), small, Op.SIGMOID,
                batch(Op.SIGMOID, List.of(new Operand.F32Buffer(x, 0, n)), List.of(new Operand.F32Buffer(y, 0, n))));
        checkSigmoid(x, y, n);
        assertEquals(0, small.directCopies(), "below registerMinBytes");
    }

    @Test
    void float64DirectWithTwoOutputs() throws Exception {
        int n = 555;
        DoubleBuffer x = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        for (int i = 0; i < n; i++) {
            x.put(i, (i - 277) / 10.0);
        }
        DoubleBuffer y = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        DoubleBuffer d = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        DeviceMemory mem = new DeviceMemory("sim");
        SimulatedEngine e = new SimulatedEngine(2, CHUNK, mem);
        new Pipeline("sim", -1, 2, 0, 2L * CHUNK * 8).run(new ChunkPlan(n, CHUNK, 2), e, Op.FUSED, new Batch(DType.F64, n,
                List.of(new Operand.F64Buffer(x, 0, n)), List.of(new Operand.F64Buffer(y, 0, n), new Operand.F64Buffer(d, 0, n))));
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(y.get(i), OpReference.f64(Op.FUSED, 0, x.get(i), 0)) <= 1);
            assertTrue(Ulps.error(d.get(i), OpReference.f64(Op.FUSED, 1, x.get(i), 0)) <= 2);
        }
        assertEquals(3 * 6, e.directCopies());
        assertEquals(0, mem.hostRegistrations());
    }

    /** Through the facade, with the fault injection option: the CPU finishes, nothing stays registered. */
    @Test
    void facadeFallbackWithDirectBuffersLeavesNothingRegistered() {
        int n = 5500;
        FloatBuffer x = direct(n, 14, ByteOrder.nativeOrder());
        FloatBuffer y = direct(n, 15, ByteOrder.nativeOrder());
        SimulatedBackendProvider sim = new SimulatedBackendProvider();
        Sigmoid.Builder b = Sigmoid.builder().provider(sim).backend("sim");
        Map.of("sim.registerMinBytes", "0", "sim.inject.failAtChunk", "3", "sim.stagingThreads", "3", "sim.chunkElements", "500")
                .forEach(b::option);
        try (Sigmoid s = b.build()) {
            Provenance p = s.apply(Op.SIGMOID, Operand.of(x), Operand.of(y));
            assertTrue(p.fellBack(), p.toString());
            assertEquals(1000, p.primaryElements(), "2 streams: chunks 0 and 1 drained before chunk 3's kernel: " + p);
            checkSigmoid(x, y, n);
            assertEquals(0, sim.lastMemory().hostRegistrations());
            assertEquals(0, sim.lastMemory().hostRegisteredBytes());
        }
    }

    /** Chunks of several MiB: the staging copies are cut among threads, and the results are the same. */
    @Test
    void multiThreadedStagingGivesTheSameResults() throws Exception {
        int chunk = 700_000; // 2.8 MiB of float32: two slices per copy
        int n = 2 * chunk + 12_345;
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(16);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 40 - 20);
        }
        float[] y = new float[n];
        SimulatedEngine e = new SimulatedEngine(2, chunk);
        e.countWrites(n);
        new Pipeline("sim", -1, 4, -1, 1L << 30).run(new ChunkPlan(n, chunk, 2), e, Op.SIGMOID,
                new Batch(DType.F32, n, List.of(Operand.of(x)), List.of(Operand.of(y))));
        for (int i = 0; i < n; i++) {
            assertEquals(1, e.writes(i));
            assertTrue(Ulps.error(y[i], OpReference.f32(Op.SIGMOID, 0, x[i], 0)) <= 1, "element " + i);
        }
    }
}
