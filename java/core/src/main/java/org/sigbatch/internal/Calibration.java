package org.sigbatch.internal;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Sigmoid;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.CostModel;
import org.sigbatch.spi.Timings;

/**
 * Measures AUTO's cost lines ({@link CostModel}) at first use: per backend, op class and dtype, the
 * best of {@link #REPEATS} calls of {@link #N1} and of {@link #N2} host-resident elements after one
 * untimed call (which pays stream and buffer creation), at most {@link #BUDGET_NANOS} per probe. The
 * inputs are cached on disk ({@link CostCache}) per backend, device, driver and sigbatch version, so
 * later processes skip the probe. A CPU still running its JIT warm-up (its timings name a stand-in)
 * is not cached and is measured again after {@link #COLD_RETRY_NANOS}, a few times at most.
 */
public final class Calibration {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");
    static final int N1 = 1 << 12;
    static final int N2 = 1 << 18;
    static final int REPEATS = 3;
    static final long BUDGET_NANOS = 200_000_000L;
    static final long COLD_RETRY_NANOS = 1_000_000_000L;
    static final int COLD_RETRIES = 10;

    private final Path dir;
    private final Map<String, String> fixed;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    /** A line in memory; {@code retryAt} > 0 while it came from a cold CPU. */
    private record Known(CostCache.Entry entry, CostModel.Line line, long retryAt, int tries) {
    }

    /** @param dir cache directory, or null for none (probes are kept in memory only) */
    public Calibration(Path dir) {
        this(dir, Map.of());
    }

    /**
     * @param fixed options; {@code cost.<backend>.<OPCLASS>.<DTYPE>=n1 t1 n2 t2} (e.g. from a GPU run's
     *              cache file) gives that line without a probe
     */
    public Calibration(Path dir, Map<String, String> fixed) {
        this.dir = dir;
        this.fixed = Map.copyOf(fixed);
        fixed.forEach(Calibration::check);
    }

    /** A bad given line is an error when the evaluator opens, not at its first call. */
    private static void check(String key, String value) {
        String[] parts = key.split("\\.");
        boolean named = parts.length == 4 && java.util.Arrays.stream(CostModel.OpClass.values()).anyMatch(c -> c.name().equals(parts[2]))
                && (parts[3].equals("F32") || parts[3].equals("F64"));
        if (!named) {
            throw new IllegalArgumentException("unknown option " + key + " (expected cost.cache or cost.<backend>.<TWO_ARRAYS|THREE_ARRAYS>.<F32|F64>)");
        }
        try {
            CostCache.Entry.decode(value);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(key + " must be 'n1 t1 n2 t2' (elements, ns), got '" + value + "': " + ex.getMessage(), ex);
        }
    }

    /** {@code cost.<backend>.<OPCLASS>.<DTYPE>}. */
    static String fixedKey(String backend, CostModel.OpClass c, DType t) {
        return "cost." + backend + "." + name(c, t);
    }

    /** From the options: {@code cost.cache=off} or a directory; default {@code $XDG_CACHE_HOME/sigbatch} or {@code ~/.cache/sigbatch}. */
    public static Calibration of(Map<String, String> options) {
        String v = options.get("cost.cache");
        Map<String, String> fixed = new LinkedHashMap<>();
        options.forEach((k, val) -> {
            if (k.startsWith("cost.") && !k.equals("cost.cache")) {
                fixed.put(k, val);
            }
        });
        if (v != null && v.trim().equalsIgnoreCase("off")) {
            return new Calibration(null, fixed);
        }
        if (v != null && !v.isBlank()) {
            return new Calibration(Path.of(v.trim()), fixed);
        }
        return new Calibration(CostCache.defaultDir(System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home")), fixed);
    }

    /** What the cache is keyed by: a new device, driver or release measures again. */
    public static String key(Backend b) {
        String driver = b.describe().getOrDefault("driver", "");
        String version = Sigmoid.class.getPackage().getImplementationVersion();
        return b.id() + " | " + b.device() + " | driver " + driver + " | sigbatch " + (version == null ? "dev" : version);
    }

    private static String name(CostModel.OpClass c, DType t) {
        return c.name() + "." + t.name();
    }

    /** The cost line of {@code b} for calls like {@code op} on {@code dtype}: from memory, the cache, or a probe now. */
    public CostModel.Line line(Backend b, Op op, DType requested) {
        // a dtype without host arrays of its own is measured as float32, the narrowest probe there is
        DType dtype = requested == DType.F64 ? DType.F64 : DType.F32;
        CostModel.OpClass c = CostModel.OpClass.of(op);
        String mem = b.id() + "/" + name(c, dtype);
        Known k = known.get(mem);
        if (k != null && (k.retryAt() == 0 || System.nanoTime() < k.retryAt())) {
            return k.line(); // every call but the first few: no lock
        }
        return measure(b, c, dtype, mem);
    }

    /** One probe at a time: concurrent first calls wait for it rather than probe the device together. */
    private synchronized CostModel.Line measure(Backend b, CostModel.OpClass c, DType dtype, String mem) {
        Known k = known.get(mem);
        if (k != null && (k.retryAt() == 0 || System.nanoTime() < k.retryAt())) {
            return k.line();
        }
        String given = fixed.get(fixedKey(b.id(), c, dtype));
        if (given != null) {
            CostCache.Entry e = CostCache.Entry.decode(given); // checked when opened
            CostModel.Line l = e.line();
            known.put(mem, new Known(e, l, 0, 0));
            return l;
        }
        CostCache cache = dir == null ? null : new CostCache(dir, key(b));
        Map<String, CostCache.Entry> onDisk = cache == null ? new LinkedHashMap<>() : cache.read();
        CostCache.Entry e = k == null ? onDisk.get(name(c, dtype)) : null;
        if (e != null) {
            CostModel.Line l = e.line();
            known.put(mem, new Known(e, l, 0, 0));
            return l;
        }
        Probe p = probe(b, c.probe(), dtype);
        if (p == null) {
            known.put(mem, new Known(null, CostModel.Line.NEVER, 0, 0));
            return CostModel.Line.NEVER;
        }
        int tries = k == null ? 1 : k.tries() + 1;
        boolean provisional = p.cold() && tries < COLD_RETRIES;
        CostModel.Line l = p.entry().line();
        known.put(mem, new Known(p.entry(), l, provisional ? System.nanoTime() + COLD_RETRY_NANOS : 0, tries));
        if (!provisional && cache != null) {
            onDisk.put(name(c, dtype), p.entry());
            cache.write(onDisk);
        }
        return l;
    }

    /** For {@code sigbatch devices}: the cache file and the probe inputs and fitted lines known for {@code b}. */
    public Map<String, String> describe(Backend b) {
        Map<String, String> m = new LinkedHashMap<>();
        CostCache cache = dir == null ? null : new CostCache(dir, key(b));
        m.put("cost model", cache == null ? "probed at first AUTO use, not cached (cost.cache=off)" : "probed at first AUTO use, cached in " + cache.file());
        Map<String, CostCache.Entry> entries = cache == null ? new LinkedHashMap<>() : cache.read();
        for (var e : known.entrySet()) {
            if (e.getKey().startsWith(b.id() + "/") && e.getValue().entry() != null) {
                entries.putIfAbsent(e.getKey().substring(b.id().length() + 1), e.getValue().entry());
            }
        }
        if (entries.isEmpty()) {
            m.put("cost lines", "none measured yet");
        }
        entries.forEach((name, en) -> {
            CostModel.Line l = en.line();
            m.put("cost " + name, String.format(java.util.Locale.ROOT, "%d el: %.1f us, %d el: %.1f us -> %.1f us + %.3f ns/element",
                    en.n1(), en.t1() / 1e3, en.n2(), en.t2() / 1e3, l.fixedNanos() / 1e3, l.nanosPerElement()));
        });
        return m;
    }

    private record Probe(CostCache.Entry entry, boolean cold) {
    }

    /** Times calls of N1 and N2 elements; null if the backend failed (it is then never picked). */
    private static Probe probe(Backend b, Op op, DType t) {
        long deadline = System.nanoTime() + BUDGET_NANOS;
        boolean[] cold = {false};
        try {
            run(b, op, batch(op, t, N1), cold);
            double t1 = best(b, op, batch(op, t, N1), deadline, cold);
            double t2 = best(b, op, batch(op, t, N2), deadline, cold);
            CostCache.Entry e = new CostCache.Entry(N1, t1, N2, t2);
            LOG.log(Level.DEBUG, () -> "cost probe " + b.id() + " " + op + " " + t + ": " + e.encode() + (cold[0] ? " (cold)" : ""));
            return new Probe(e, cold[0]);
        } catch (RuntimeException | org.sigbatch.spi.BackendFailure ex) {
            LOG.log(Level.WARNING, "cost probe of " + b.id() + " failed, AUTO will not pick it for " + op + " " + t + ": " + ex);
            return null;
        }
    }

    private static double best(Backend b, Op op, Batch batch, long deadline, boolean[] cold) throws org.sigbatch.spi.BackendFailure {
        double best = Double.POSITIVE_INFINITY;
        for (int r = 0; r < REPEATS; r++) {
            best = Math.min(best, run(b, op, batch, cold));
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        return best;
    }

    private static double run(Backend b, Op op, Batch batch, boolean[] cold) throws org.sigbatch.spi.BackendFailure {
        long t0 = System.nanoTime();
        Timings tm = b.execute(op, batch);
        long dt = System.nanoTime() - t0;
        cold[0] |= tm.device() != null;
        return dt;
    }

    /** Host arrays of {@code n} elements, inputs in [-8, 8]. */
    private static Batch batch(Op op, DType t, int n) {
        List<Operand> in = new ArrayList<>();
        List<Operand> out = new ArrayList<>();
        for (int i = 0; i < op.inputs(); i++) {
            in.add(array(t, n, true));
        }
        for (int j = 0; j < op.outputs(); j++) {
            out.add(array(t, n, false));
        }
        return new Batch(t, n, in, out);
    }

    private static Operand array(DType t, int n, boolean fill) {
        if (t == DType.F32) {
            float[] a = new float[n];
            for (int i = 0; fill && i < n; i++) {
                a[i] = (i % 1601) / 100f - 8f;
            }
            return Operand.of(a);
        }
        double[] a = new double[n];
        for (int i = 0; fill && i < n; i++) {
            a[i] = (i % 1601) / 100.0 - 8.0;
        }
        return Operand.of(a);
    }
}
