package org.sigbatch.spi;

import java.util.Map;
import org.sigbatch.Op;

/**
 * AUTO's cost model: a call of {@code n} host-resident elements on a backend costs
 * {@code t(n) = fixed + n × perElement}, per backend, op class and dtype, fitted to two timed probe
 * calls; AUTO takes the backend with the lowest predicted time. Pure functions, tested on plain
 * numbers; the probing and its cache are in {@code org.sigbatch.internal.Calibration}.
 */
public final class CostModel {
    private CostModel() {
    }

    /** What a call costs, by the arrays it moves: σ and σ' read one and write one, the others three in all. */
    public enum OpClass {
        TWO_ARRAYS(Op.SIGMOID), THREE_ARRAYS(Op.FUSED);

        private final Op probe;

        OpClass(Op probe) {
            this.probe = probe;
        }

        /** The op the probe times for this class. */
        public Op probe() {
            return probe;
        }

        public static OpClass of(Op op) {
            return op.inputs() + op.outputs() <= 2 ? TWO_ARRAYS : THREE_ARRAYS;
        }
    }

    /** {@code t(n) = fixedNanos + n × nanosPerElement}. */
    public record Line(double fixedNanos, double nanosPerElement) {
        /** A backend that cannot run the call (its probe failed): never the cheapest. */
        public static final Line NEVER = new Line(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);

        public Line {
            if (Double.isNaN(fixedNanos) || Double.isNaN(nanosPerElement) || fixedNanos < 0 || nanosPerElement < 0) {
                throw new IllegalArgumentException("a cost line needs fixed >= 0 and per-element >= 0 ns, got " + fixedNanos + ", " + nanosPerElement);
            }
        }

        public double predict(long n) {
            return fixedNanos + n * nanosPerElement;
        }
    }

    /**
     * The line through two timed calls ({@code n1 < n2}), clamped to non-negative parts: timing noise
     * can make the small call look slower per element than the large one, or faster than free.
     */
    public static Line fit(long n1, double t1, long n2, double t2) {
        if (n1 <= 0 || n2 <= n1) {
            throw new IllegalArgumentException("probe sizes must be 0 < n1 < n2, got " + n1 + ", " + n2);
        }
        if (!(t1 >= 0) || !(t2 >= 0)) {
            throw new IllegalArgumentException("probe times must be >= 0 ns, got " + t1 + ", " + t2);
        }
        double slope = Math.max(0, (t2 - t1) / (n2 - n1));
        if (slope == 0) {
            slope = t2 / n2; // flat or falling: charge the large call per element
        }
        double fixed = Math.max(0, t2 - slope * n2);
        return new Line(fixed, slope);
    }

    /**
     * The key of the lowest predicted time for {@code n} elements; on a tie the one listed first (list
     * the CPU first: it needs no device). Null if the map is empty.
     */
    public static <K> K cheapest(Map<K, Line> lines, long n) {
        K best = null;
        double bestT = Double.POSITIVE_INFINITY;
        for (var e : lines.entrySet()) {
            double t = e.getValue().predict(n);
            if (best == null || t < bestT) {
                best = e.getKey();
                bestT = t;
            }
        }
        return best;
    }

    /** The size from which {@code accel} is predicted faster than {@code cpu}: 0 if always, Long.MAX_VALUE if never. */
    public static long breakEven(Line cpu, Line accel) {
        double dSlope = cpu.nanosPerElement() - accel.nanosPerElement();
        double dFixed = accel.fixedNanos() - cpu.fixedNanos();
        if (dSlope == 0 && dFixed < 0) {
            return 0;
        }
        if (!(dSlope > 0) || Double.isInfinite(dFixed)) {
            return Long.MAX_VALUE; // as steep or steeper: faster, if ever, only below some size
        }
        double x = dFixed / dSlope;
        return x < 0 ? 0 : x >= Long.MAX_VALUE - 1 ? Long.MAX_VALUE : (long) Math.floor(x) + 1;
    }
}
