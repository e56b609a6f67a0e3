package org.sigbatch.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;

/** AUTO's decision rule on plain numbers. */
class CostModelTest {
    private static final CostModel.Line CPU = new CostModel.Line(2_000, 0.5);      // 2 µs + 0.5 ns/element
    private static final CostModel.Line GPU = new CostModel.Line(60_000, 0.1);     // 60 µs + 0.1 ns/element

    private static Map<String, CostModel.Line> lines(Object... kv) {
        Map<String, CostModel.Line> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (CostModel.Line) kv[i + 1]);
        }
        return m;
    }

    @Test
    void lowestPredictedTimeWins() {
        Map<String, CostModel.Line> m = lines("cpu", CPU, "gpu", GPU);
        // equal at n = 58000 / 0.4 = 145000
        assertEquals("cpu", CostModel.cheapest(m, 4096));
        assertEquals("cpu", CostModel.cheapest(m, 144_999));
        assertEquals("gpu", CostModel.cheapest(m, 145_001));
        assertEquals("gpu", CostModel.cheapest(m, 1L << 30));
        assertEquals(145_001, CostModel.breakEven(CPU, GPU));
    }

    @Test
    void aTieGoesToTheOneListedFirst() {
        assertEquals("cpu", CostModel.cheapest(lines("cpu", CPU, "gpu", GPU), 145_000));
        assertEquals("a", CostModel.cheapest(lines("a", CPU, "b", CPU), 10));
        assertNull(CostModel.cheapest(Map.<String, CostModel.Line>of(), 10));
    }

    @Test
    void threeBackends() {
        CostModel.Line slowLink = new CostModel.Line(20_000, 0.3);
        Map<String, CostModel.Line> m = lines("cpu", CPU, "opencl", slowLink, "cuda", GPU);
        assertEquals("cpu", CostModel.cheapest(m, 10_000));
        assertEquals("opencl", CostModel.cheapest(m, 150_000)); // cpu 77 µs, opencl 65 µs, cuda 75 µs
        assertEquals("cuda", CostModel.cheapest(m, 1_000_000));
    }

    @Test
    void aFailedProbeIsNeverChosen() {
        assertEquals("cpu", CostModel.cheapest(lines("gpu", CostModel.Line.NEVER, "cpu", CPU), 1L << 40));
        assertEquals(Long.MAX_VALUE, CostModel.breakEven(CPU, CostModel.Line.NEVER));
    }

    @Test
    void breakEvenEdges() {
        assertEquals(0, CostModel.breakEven(CPU, new CostModel.Line(1_000, 0.1)), "cheaper everywhere");
        assertEquals(0, CostModel.breakEven(CPU, new CostModel.Line(1_000, 0.5)), "same slope, lower fixed cost");
        assertEquals(Long.MAX_VALUE, CostModel.breakEven(CPU, new CostModel.Line(3_000, 0.5)), "same slope, higher fixed cost");
        assertEquals(Long.MAX_VALUE, CostModel.breakEven(CPU, new CostModel.Line(1_000, 0.9)), "steeper: only small calls, no break-even from");
    }

    @Test
    void fitThroughTwoProbes() {
        CostModel.Line l = CostModel.fit(4096, 60_000 + 4096 * 0.1, 262_144, 60_000 + 262_144 * 0.1);
        assertEquals(60_000, l.fixedNanos(), 1e-6);
        assertEquals(0.1, l.nanosPerElement(), 1e-12);
    }

    @Test
    void noisyProbesAreClampedToNonNegativeParts() {
        CostModel.Line falling = CostModel.fit(4096, 50_000, 262_144, 40_000);
        assertEquals(40_000.0 / 262_144, falling.nanosPerElement(), 1e-12, "the large call charged per element");
        assertEquals(0, falling.fixedNanos(), 1e-9);
        CostModel.Line steep = CostModel.fit(4096, 100, 262_144, 1_000_000);
        assertEquals(0, steep.fixedNanos(), "a negative intercept is clamped to 0");
        assertEquals((1_000_000 - 100) / (262_144.0 - 4096), steep.nanosPerElement(), 1e-12);
    }

    @Test
    void badInputsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CostModel.fit(100, 1, 100, 2));
        assertThrows(IllegalArgumentException.class, () -> CostModel.fit(0, 1, 100, 2));
        assertThrows(IllegalArgumentException.class, () -> CostModel.fit(1, -1, 100, 2));
        assertThrows(IllegalArgumentException.class, () -> CostModel.fit(1, Double.NaN, 100, 2));
        assertThrows(IllegalArgumentException.class, () -> new CostModel.Line(-1, 0));
    }

    @Test
    void opClasses() {
        assertEquals(CostModel.OpClass.TWO_ARRAYS, CostModel.OpClass.of(Op.SIGMOID));
        assertEquals(CostModel.OpClass.TWO_ARRAYS, CostModel.OpClass.of(Op.DERIVATIVE));
        assertEquals(CostModel.OpClass.THREE_ARRAYS, CostModel.OpClass.of(Op.FUSED));
        assertEquals(CostModel.OpClass.THREE_ARRAYS, CostModel.OpClass.of(Op.BACKWARD));
        assertEquals(CostModel.OpClass.THREE_ARRAYS, CostModel.OpClass.of(Op.BACKWARD_FROM_OUTPUT));
    }
}
