package org.sigbatch.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.SplittableRandom;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.VerifyPolicy;

/**
 * One random call of the contract's property: what to evaluate, where each operand lives and at
 * which offset, what aliases what, the verification policy and the chunk whose kernel fails (-1:
 * none). Its {@code toString} is the counterexample the contract's property reports (shrunk), written so that it can be pasted
 * into a regression test as {@code new RandomCall(...)}.
 *
 * @param storages where x, gradOut, out0, out1 live (all {@link Storage#DEVICE} or none)
 * @param offsets  the window offset of each operand in its storage
 * @param alias    0: no aliasing; 1: out0 over x; 2: out0 over gradOut (x for one-input ops);
 *                 3: the last output over x
 * @param small    the backend's small-chunk options (many chunks per call), always with a failure
 * @param seed     of the input values
 */
public record RandomCall(Op op, DType dtype, int n, List<Storage> storages, List<Integer> offsets, int alias,
        VerifyPolicy verify, int failAt, boolean small, long seed) {

    /** Chunks at which a failure is injected: a few, so that evaluators can be reused across tries. */
    static final int FAIL_CHUNKS = 3; // 0 and 1: nothing drained yet (2 slots); 2: one chunk drained

    public RandomCall {
        storages = List.copyOf(storages);
        offsets = List.copyOf(offsets);
    }

    /** Index of the input that output {@code k} overwrites, or -1. */
    int aliasedInput(int k) {
        return switch (alias) {
            case 1 -> k == 0 ? 0 : -1;
            case 2 -> k == 0 ? (op.inputs() > 1 ? 1 : 0) : -1;
            case 3 -> k == op.outputs() - 1 ? 0 : -1;
            default -> -1;
        };
    }

    /**
     * Random calls over the dtypes the backend runs, lengths from 0 to {@code maxLength} biased to
     * small and edge sizes (vector widths, {@code chunk} and its multiples, ±1), so that the total stays
     * bounded: 1% of the tries are above 50,000 elements (a few million elements per 200 tries).
     *
     * @param streams whether failures can be injected (the backend streams host data in chunks)
     * @param chunk   elements per chunk under the small-chunk options (0 if the backend does not stream)
     */
    static RandomCall generate(SplittableRandom r, List<DType> dtypes, int maxLength, boolean streams, int chunk) {
        int w = r.nextInt(100);
        int n;
        if (w < 43) {
            n = r.nextInt(65);
        } else if (w < 65) {
            n = r.nextInt(65, 5_001);
        } else if (w < 87) {
            List<Integer> edges = edgeSizes(chunk, maxLength);
            n = edges.get(r.nextInt(edges.size()));
        } else if (w < 99) {
            n = r.nextInt(5_001, Math.max(5_002, Math.min(50_000, maxLength) + 1));
        } else {
            n = r.nextInt(Math.min(50_001, maxLength), maxLength + 1);
        }
        return withLength(r, dtypes, n, streams, r.nextInt(5) >= 3);
    }

    /**
     * Simpler calls than this one, simplest first, for shrinking a counterexample: shorter (0, halves, minus one), no
     * offsets, no aliasing, heap arrays, no verification, no injected failure.
     */
    List<RandomCall> simpler() {
        List<RandomCall> l = new ArrayList<>();
        for (int m : new int[] {0, 1, n / 2, n - 1}) {
            if (m >= 0 && m < n) {
                l.add(new RandomCall(op, dtype, m, storages, offsets, alias, verify, failAt, small, seed));
            }
        }
        if (offsets.stream().anyMatch(o -> o != 0)) {
            l.add(new RandomCall(op, dtype, n, storages, List.of(0, 0, 0, 0), alias, verify, failAt, small, seed));
        }
        if (alias != 0) {
            l.add(new RandomCall(op, dtype, n, storages, offsets, 0, verify, failAt, small, seed));
        }
        if (storages.stream().anyMatch(x -> x != Storage.ARRAY && x != Storage.DEVICE)) {
            l.add(new RandomCall(op, dtype, n, List.of(Storage.ARRAY, Storage.ARRAY, Storage.ARRAY, Storage.ARRAY), offsets, alias, verify,
                    failAt, small, seed));
        }
        if (verify != VerifyPolicy.NONE) {
            l.add(new RandomCall(op, dtype, n, storages, offsets, alias, VerifyPolicy.NONE, failAt, small, seed));
        }
        if (failAt >= 0) {
            l.add(new RandomCall(op, dtype, n, storages, offsets, alias, verify, -1, small, seed));
        }
        return l;
    }

    /** A random call for the soak: mostly short (many calls), up to {@code maxLength}. */
    static RandomCall random(java.util.SplittableRandom r, List<DType> dtypes, int maxLength, boolean streams) {
        int n = switch (r.nextInt(10)) {
            case 0, 1, 2, 3 -> r.nextInt(65);
            case 4, 5, 6, 7, 8 -> r.nextInt(65, 5_001);
            default -> r.nextInt(5_001, Math.max(5_002, maxLength + 1));
        };
        return withLength(r, dtypes, n, streams, r.nextBoolean());
    }

    /** The rest of a random call of length {@code n}: storages (a quarter all on the device), offsets 0–17 if asked, the rest uniform. */
    private static RandomCall withLength(SplittableRandom r, List<DType> dtypes, int n, boolean streams, boolean offsets) {
        List<Storage> st = new ArrayList<>();
        boolean device = r.nextInt(4) == 0;
        Storage[] host = {Storage.ARRAY, Storage.HEAP_BUFFER, Storage.DIRECT_BUFFER};
        List<Integer> off = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            st.add(device ? Storage.DEVICE : host[r.nextInt(host.length)]);
            off.add(offsets ? r.nextInt(18) : 0);
        }
        int failAt = streams && r.nextInt(3) == 0 ? r.nextInt(FAIL_CHUNKS) : -1;
        boolean small = failAt >= 0 || (streams && r.nextBoolean());
        Op[] ops = Op.values();
        VerifyPolicy[] vs = VerifyPolicy.values();
        return new RandomCall(ops[r.nextInt(ops.length)], dtypes.get(r.nextInt(dtypes.size())), n, st, off, r.nextInt(4),
                vs[r.nextInt(vs.length)], failAt, small, r.nextLong());
    }

    /** Lengths where vector tails, thread splits and chunk boundaries change, and their neighbours. */
    static List<Integer> edgeSizes(int chunk, int maxLength) {
        TreeSet<Integer> s = new TreeSet<>();
        int[] bases = {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096, 65536};
        for (int b : bases) {
            for (int d = -1; d <= 1; d++) {
                s.add(b + d);
            }
        }
        if (chunk > 0) {
            for (int m : new int[] {1, 2, 3, 4, 5, 7}) {
                for (int d = -1; d <= 1; d++) {
                    s.add(m * chunk + d);
                }
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int v : s) {
            if (v >= 0 && v <= maxLength) {
                out.add(v);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "new RandomCall(Op." + op.name() + ", DType." + dtype.name() + ", " + n + ", List.of(" + storages.stream().map(s -> "Storage." + s.name())
                .reduce((a, b) -> a + ", " + b).orElse("") + "), List.of(" + offsets.toString().replaceAll("[\\[\\]]", "") + "), " + alias
                + ", VerifyPolicy." + verify.name() + ", " + failAt + ", " + small + ", " + seed + "L)";
    }
}
