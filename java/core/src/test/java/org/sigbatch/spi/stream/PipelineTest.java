package org.sigbatch.spi.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sigbatch.testing.SimulatedEngine;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.reference.OpReference;
import org.sigbatch.reference.Ulps;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.Batch;
import org.sigbatch.Operand;
import org.sigbatch.spi.Timings;

/**
 * The chunked pipeline ({@link Pipeline} over a {@link ChunkPlan}) on a simulated device: staging
 * buffers are ByteBuffers and the "kernel" is the CPU reference. Checks what every streaming engine
 * relies on, without a device: every element is written once, in index order, only when final; a failure at any
 * step reports exactly the completed prefix and leaves the rest (and in-place inputs) untouched.
 */
class PipelineTest {
    private static final Pipeline PIPELINE = new Pipeline("sim", -1);


    private static float[] inputs(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 60 - 30);
        }
        return x;
    }

    private static Batch batch(Op op, float[][] ins, float[][] outs) {
        List<Operand> i = new ArrayList<>();
        for (float[] a : ins) {
            i.add(new Operand.F32Array(a, 0, a.length));
        }
        List<Operand> o = new ArrayList<>();
        for (float[] a : outs) {
            o.add(new Operand.F32Array(a, 0, a.length));
        }
        return new Batch(DType.F32, ins[0].length, i, o);
    }

    @ParameterizedTest
    @CsvSource({"SIGMOID,0,7,2", "SIGMOID,1,7,2", "SIGMOID,1023,100,3", "DERIVATIVE,1000,7,1", "FUSED,1001,64,2",
            "BACKWARD,999,10,3", "BACKWARD_FROM_OUTPUT,50,8,4"})
    void everyElementIsWrittenOnceAndCorrect(Op op, int n, int chunk, int slots) throws Exception {
        float[] x = inputs(n, 1);
        float[] g = inputs(n, 2);
        float[][] outs = new float[op.outputs()][n];
        float[][] ins = op.inputs() == 2 ? new float[][] {x, g} : new float[][] {x};
        SimulatedEngine e = new SimulatedEngine(slots, chunk);
        e.countWrites(n);
        ChunkPlan plan = new ChunkPlan(n, chunk, slots);
        Timings t = PIPELINE.run(plan, e, op, batch(op, ins, outs));
        // the simulated chunks' copies overlap their neighbours' (10 apart, 15 long), their kernels do not (7 long)
        int c = plan.chunks();
        assertEquals(new Timings(c == 0 ? 0 : 10L * (c - 1) + 15, 7L * c), t, "busy times are unions of intervals, not sums");
        for (int i = 0; i < n; i++) {
            assertEquals(1, e.writes(i), "element " + i + " written once");
            for (int j = 0; j < op.outputs(); j++) {
                double ref = OpReference.f32(op, j, x[i], op.inputs() == 2 ? g[i] : 0f);
                assertTrue(Ulps.error(outs[j][i], ref) <= OpReference.bound(op, j), op + " output " + j + " at " + i);
            }
        }
    }

    @Test
    void bufferOperandsGoThroughTheSamePath() throws Exception {
        int n = 333;
        float[] x = inputs(n, 3);
        FloatBuffer xb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(x);
        FloatBuffer yb = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        Batch b = new Batch(DType.F32, n, List.of(new Operand.F32Buffer(xb, 0, n)), List.of(new Operand.F32Buffer(yb, 0, n)));
        PIPELINE.run(new ChunkPlan(n, 50, 2), new SimulatedEngine(2, 50), Op.SIGMOID, b);
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(yb.get(i), OpReference.f32(Op.SIGMOID, 0, x[i], 0)) <= 1);
        }
    }

    @Test
    void float64GoesThroughTheSamePath() throws Exception {
        int n = 101;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i - 50.5;
        }
        double[] y = new double[n];
        double[] d = new double[n];
        Batch b = new Batch(DType.F64, n, List.of(new Operand.F64Array(x, 0, n)),
                List.of(new Operand.F64Array(y, 0, n), new Operand.F64Array(d, 0, n)));
        PIPELINE.run(new ChunkPlan(n, 16, 3), new SimulatedEngine(3, 16), Op.FUSED, b);
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(y[i], OpReference.f64(Op.FUSED, 0, x[i], 0)) <= 1);
            assertTrue(Ulps.error(d[i], OpReference.f64(Op.FUSED, 1, x[i], 0)) <= 2);
        }
    }

    /** A failure at each kind of step, at several points: the completed prefix is exact, the rest untouched. */
    @ParameterizedTest
    @CsvSource({"FILL,0", "FILL,3", "H2D,2", "KERNEL,0", "KERNEL,5", "D2H,4", "AWAIT,0", "AWAIT,2", "AWAIT,9", "DRAIN,1", "DRAIN,9"})
    void failureReportsTheExactCompletedPrefixAndInPlaceSurvives(ChunkPlan.Kind kind, int at) {
        int n = 1000;
        int chunk = 100;
        float[] x = inputs(n, 4);
        float[] original = x.clone();
        SimulatedEngine e = new SimulatedEngine(3, chunk);
        e.failAt(kind, at);
        e.countWrites(n);
        ChunkPlan plan = new ChunkPlan(n, chunk, 3);
        // in place: y is x
        BackendFailure f = assertThrows(BackendFailure.class, () -> PIPELINE.run(plan, e, Op.SIGMOID, batch(Op.SIGMOID, new float[][] {x}, new float[][] {x})));
        long done = f.completed();
        assertEquals(0, done % chunk, "whole chunks only");
        long drained = e.log().stream().filter(s -> s.startsWith("drain")).count();
        assertEquals(drained * chunk, done, "completed = elements of the drained chunks: " + f.getMessage());
        assertTrue(e.log().contains("abandon"), "in-flight work is abandoned");
        for (int i = 0; i < n; i++) {
            if (i < done) {
                assertTrue(Ulps.error(x[i], OpReference.f32(Op.SIGMOID, 0, original[i], 0)) <= 1, "final at " + i);
            } else {
                assertEquals(Float.floatToRawIntBits(original[i]), Float.floatToRawIntBits(x[i]), "untouched input at " + i);
                assertEquals(0, e.writes(i));
            }
        }
        // what the facade does next: the CPU finishes [done, n) from the intact inputs
        for (int i = (int) done; i < n; i++) {
            x[i] = (float) OpReference.f32(Op.SIGMOID, 0, x[i], 0);
        }
        for (int i = 0; i < n; i++) {
            assertTrue(Ulps.error(x[i], OpReference.f32(Op.SIGMOID, 0, original[i], 0)) <= 1);
        }
        assertTrue(f.getMessage().contains(kind.name()), f.getMessage());
    }

    @Test
    void injectedFailureAtAChunk() {
        int n = 95;
        float[] x = inputs(n, 5);
        float[] y = new float[n];
        BackendFailure f = assertThrows(BackendFailure.class,
                () -> new Pipeline("sim", 4).run(new ChunkPlan(n, 10, 2), new SimulatedEngine(2, 10), Op.SIGMOID, batch(Op.SIGMOID, new float[][] {x}, new float[][] {y})));
        // with 2 slots, chunk 4 reuses chunk 2's slot: chunks 0..2 were drained before its kernel step
        assertEquals(30, f.completed());
        assertTrue(f.getCause() instanceof Pipeline.InjectedFailure);
        assertArrayEquals(new float[n - 30], java.util.Arrays.copyOfRange(y, 30, n));
    }

    @Test
    void fusedInPlaceDrainsTheAliasedOutputLast() {
        float[] x = new float[4];
        float[] d = new float[4];
        Batch yIsX = batch(Op.FUSED, new float[][] {x}, new float[][] {x, d});
        assertArrayEquals(new int[] {1, 0}, Pipeline.drainOrder(yIsX));
        Batch dIsX = batch(Op.FUSED, new float[][] {x}, new float[][] {d, x});
        assertArrayEquals(new int[] {0, 1}, Pipeline.drainOrder(dIsX));
        float[] g = new float[4];
        Batch gradInIsG = batch(Op.BACKWARD, new float[][] {x, g}, new float[][] {g});
        assertArrayEquals(new int[] {0}, Pipeline.drainOrder(gradInIsG));
    }
}
