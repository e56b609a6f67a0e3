package org.sigbatch.cpu;

import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntConsumer;

/**
 * Gets the Vector API kernels JIT-compiled without making callers wait for it.
 *
 * <p>Why: until C2 has compiled a Vector API loop, every vector op runs as interpreted or C1 code that
 * allocates its vectors: 1–5 µs per element, 1000× slower than the compiled loop (measured). C2 gets
 * there after about 2.3 s of one core's work from JVM start with the default thresholds (0.8–1.1 s
 * with the launcher's per-package CompileThresholdScaling). A 16M-element first call would spend
 * seconds in that state.
 *
 * <p>How: one daemon thread per kernel class calls every op of the SIMD kernel on small windows (64 and
 * 67 elements, values past the clamp and saturation points, so the tail path is profiled too), on one long
 * window of ordinary values (see {@link #LONG}), and all ops, so C2 compiles every mode of a shared
 * loop and later calls do not hit uncommon traps). Meanwhile the CPU backend computes with a stand-in:
 * the kernel's {@linkplain HasScalarTwin bit-identical scalar twin} if it has one, else the portable
 * scalar kernels. Criterion for "warm": for every op, in 3 rounds (not necessarily consecutive), 16
 * calls of the SIMD kernel took less than twice the fastest round so far of the same 16 calls of the
 * stand-in. Noise (preemption on a busy machine) only ever adds time, so comparing against the
 * stand-in's minimum cannot be fooled into "warm", and counting wins without requiring them to be
 * consecutive lets a loaded machine get there (interpreted SIMD code is 100–1000× slower than the
 * stand-in, compiled SIMD code about 1–4× faster). Cap: {@value #CAP_SECONDS} s; a kernel that is still not within 2× of its
 * stand-in then is reported late with a warning and {@link #await()} returns, but the thread keeps trying slowly (see
 * {@link State}); after {@value #GIVE_UP_SECONDS} s it gives up and the stand-in stays.
 *
 * <p>Plain-Java kernels need none of this (C1 compiles them in milliseconds): {@link #of} returns
 * {@link #NONE} for kernels outside the {@code org.sigbatch.cpu.simd} package.
 */
public final class JitWarmup {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");
    static final int CAP_SECONDS = 60;
    private static final int ROUNDS_FASTER = 3;
    /**
     * "Compiled" means within 2× of the stand-in's best, not faster than it: for a memory-trivial op such as
     * backwardFromOutput (g·y·(1−y)) C2 auto-vectorizes the scalar stand-in to the same speed as the SIMD
     * kernel (measured: 2.0 µs against 2.0 µs per round), so "faster" never came on some runs and the warm-up
     * gave up after 60 s. Uncompiled Vector API code is 100–1000× slower, so a 2× margin still separates them.
     */
    private static final int COMPILED_MARGIN = 2;
    static final int CALLS = 4; // per round, op and kernel: CALLS calls of 64 and CALLS of 67 elements, then one of LONG
    static final int CALLS_PER_ROUND = 2 * CALLS + 1;
    /**
     * The long window of every round. Why: C2 shapes a loop from its profiled trip count (how far it unrolls it, among
     * others), and compiled code keeps that shape for the life of the process. With only 8-iteration calls the float32
     * σ loop came out 35–40% slower on 16M elements than after a first call that ran long loops (13.0–13.9 vs
     * 9.3–9.6 ms, 2 vCPU Xeon; docs/first-call.md); a window of 8192 was not enough, 16384 was.
     */
    static final int LONG = 16384;
    /** CALLS_PER_ROUND·STAND_IN_ROUNDS = 216 calls per op: past C1's invocation threshold (200). */
    static final int STAND_IN_ROUNDS = 24;
    private static final Map<Class<?>, JitWarmup> BY_CLASS = new ConcurrentHashMap<>();

    /** For kernels that need no warm-up. */
    public static final JitWarmup NONE = new JitWarmup("none", null, "none", false, new IntConsumer[0], new IntConsumer[0]);

    /**
     * After the cap waiters stop waiting, but the thread keeps trying, one round every {@value #LATE_PAUSE_MS} ms, for up
     * to {@value #GIVE_UP_SECONDS} s. Why: in a busy JVM the one C2 compiler thread of a 2-core machine can be held by
     * someone else's large compile for over a minute (seen in the test JVM: C2 compiled nothing from 14 s to 84 s
     * while it was busy with the double-double reference), and a permanent give-up would leave the process on the
     * stand-in for its whole life. The late rounds cost about 1% of a core.
     */
    private enum State { WARMING, LATE, WARM, GAVE_UP, NEVER }
    static final int GIVE_UP_SECONDS = 600;
    private static final int LATE_PAUSE_MS = 250;

    private final String kernel;
    private final Object standIn;
    private final String standInName;
    private final boolean bitIdentical;
    private final IntConsumer[] hotOps;
    private final IntConsumer[] standInOps;
    private final CountDownLatch finished = new CountDownLatch(1);
    private long capNanos = CAP_SECONDS * 1_000_000_000L;
    private long giveUpNanos = GIVE_UP_SECONDS * 1_000_000_000L;
    private WarmupClock clock = WarmupClock.SYSTEM;
    private volatile State state;
    private volatile long startNanos;
    private volatile long tookNanos = -1;
    private volatile String coldOps = "";
    private String neverWhy = "cpu.warmup=never";

    private JitWarmup(String kernel, Object standIn, String standInName, boolean bitIdentical, IntConsumer[] hotOps, IntConsumer[] standInOps) {
        this.kernel = kernel;
        this.standIn = standIn;
        this.standInName = standInName;
        this.bitIdentical = bitIdentical;
        this.hotOps = hotOps;
        this.standInOps = standInOps;
        this.state = standIn == null ? State.WARM : State.WARMING;
        if (standIn == null) {
            finished.countDown();
        }
    }

    /**
     * No warm-up at all: the stand-in computes everything and the SIMD kernel is never JIT-compiled
     * ({@code cpu.warmup=never}). For short runs: the warm-up costs about 1–2 s of one core, more than
     * it saves below ~100M elements (the stand-in takes ~10 ns per element and thread more). Kernels
     * that need no warm-up get {@link #NONE}.
     */
    public static JitWarmup never(F32Kernels hot) {
        return never(hot, "cpu.warmup=never");
    }

    public static JitWarmup never(F64Kernels hot) {
        return never(hot, "cpu.warmup=never");
    }

    /** As {@link #never(F32Kernels)}, with the option that said so ({@code why}) for the notes. */
    public static JitWarmup never(F32Kernels hot, String why) {
        if (!needsWarmup(hot)) {
            return NONE;
        }
        F32Kernels si = standIn(hot);
        return neverWith(hot.name(), si, si.name(), hot instanceof HasScalarTwin<?>, why);
    }

    public static JitWarmup never(F64Kernels hot, String why) {
        if (!needsWarmup(hot)) {
            return NONE;
        }
        F64Kernels si = standIn(hot);
        return neverWith(hot.name(), si, si.name(), hot instanceof HasScalarTwin<?>, why);
    }

    private static JitWarmup neverWith(String kernel, Object standIn, String standInName, boolean bitIdentical, String why) {
        JitWarmup w = new JitWarmup(kernel, standIn, standInName, bitIdentical, new IntConsumer[0], new IntConsumer[0]);
        w.neverWhy = why;
        w.state = State.NEVER;
        w.finished.countDown();
        return w;
    }

    /** For tests: a warm-up that stays cold, with {@code standIn} computing, until {@link #markWarm()}. */
    static JitWarmup manual(String kernel, Object standIn, boolean bitIdentical) {
        JitWarmup w = new JitWarmup(kernel, standIn, kernel + "-stand-in", bitIdentical, new IntConsumer[0], new IntConsumer[0]);
        w.startNanos = w.clock.nanoTime();
        return w;
    }

    /** For tests: a running warm-up over the given ops, with a short cap and give-up time. */
    static JitWarmup startForTest(IntConsumer[] hotOps, IntConsumer[] standInOps, long capNanos, long giveUpNanos) {
        JitWarmup w = new JitWarmup("test-kernel", new Object(), "test-stand-in", true, hotOps, standInOps);
        w.capNanos = capNanos;
        w.giveUpNanos = giveUpNanos;
        return w.start();
    }

    /** For tests: a warm-up over the given ops on {@code clock}, not started; {@link #runHere()} runs it on the caller's thread. */
    static JitWarmup forTest(IntConsumer[] hotOps, IntConsumer[] standInOps, long capNanos, long giveUpNanos, WarmupClock clock) {
        JitWarmup w = new JitWarmup("test-kernel", new Object(), "test-stand-in", true, hotOps, standInOps);
        w.capNanos = capNanos;
        w.giveUpNanos = giveUpNanos;
        w.clock = clock;
        return w;
    }

    /** For tests: runs the warm-up to its end (warm, gave up or failed) on the calling thread. */
    void runHere() {
        startNanos = clock.nanoTime();
        run();
    }

    /** For tests: whether {@link #await()} returns at once (warm, late, given up or never). */
    boolean released() {
        return finished.getCount() == 0;
    }

    void markWarm() {
        tookNanos = clock.nanoTime() - startNanos;
        state = State.WARM;
        finished.countDown();
    }

    /** True for kernels that C2 must compile before they are fast (the Vector API ones). */
    static boolean needsWarmup(Object kernel) {
        return kernel.getClass().getPackageName().equals("org.sigbatch.cpu.simd") && !jitIsOff();
    }

    private static boolean jitIsOff() {
        return System.getProperty("java.vm.info", "").contains("interpreted mode");
    }

    /** Starts the warm-up of the default kernels on a daemon thread (kernel selection itself takes a moment) and returns. */
    public static void prestart() {
        prestart(true, true);
    }

    /** As {@link #prestart()}, for the float32 kernels, the float64 ones (which float16 and bfloat16 use too), or both. */
    public static void prestart(boolean f32, boolean f64) {
        Thread t = new Thread(() -> {
            if (f32) {
                of(Kernels.bestF32());
            }
            if (f64) {
                of(Kernels.bestF64());
            }
        }, "sigbatch-warmup-prestart");
        t.setDaemon(true);
        t.start();
    }

    /** The warm-up of {@code hot}'s class, started in the background on first use; {@link #NONE} if it needs none. */
    public static JitWarmup of(F32Kernels hot) {
        if (!needsWarmup(hot)) {
            return NONE;
        }
        return BY_CLASS.computeIfAbsent(hot.getClass(), c -> {
            F32Kernels si = standIn(hot);
            boolean same = hot instanceof HasScalarTwin<?>;
            return new JitWarmup(hot.name(), si, si.name(), same, F32Exercise.ops(hot), F32Exercise.ops(si)).start();
        });
    }

    public static JitWarmup of(F64Kernels hot) {
        if (!needsWarmup(hot)) {
            return NONE;
        }
        return BY_CLASS.computeIfAbsent(hot.getClass(), c -> {
            F64Kernels si = standIn(hot);
            boolean same = hot instanceof HasScalarTwin<?>;
            return new JitWarmup(hot.name(), si, si.name(), same, F64Exercise.ops(hot), F64Exercise.ops(si)).start();
        });
    }

    /** The kernel's bit-identical twin if it has one, else the portable scalar kernels. */
    private static F32Kernels standIn(F32Kernels hot) {
        return hot instanceof HasScalarTwin<?> t && t.scalarTwin() instanceof F32Kernels k ? k : ScalarF32Kernels.INSTANCE;
    }

    private static F64Kernels standIn(F64Kernels hot) {
        return hot instanceof HasScalarTwin<?> t && t.scalarTwin() instanceof F64Kernels k ? k : AccurateF64Kernels.INSTANCE;
    }

    /** True once the SIMD kernel is compiled; until then callers use {@link #standIn()}. Cheap (one volatile read). */
    public boolean isWarm() {
        return state == State.WARM;
    }

    /** The kernels to run while not warm: an {@link F32Kernels} or {@link F64Kernels} like the hot one. */
    public Object standIn() {
        return standIn;
    }

    /** Whether the stand-in gives the same bits as the warm kernel. */
    public boolean bitIdentical() {
        return bitIdentical;
    }

    /** A short note for provenance on calls the stand-in took part in. */
    public String standInNote() {
        String same = bitIdentical ? ", bit-identical" : "";
        return state == State.NEVER ? "no JIT warm-up (" + neverWhy + "): all by " + standInName + same : "JIT warm-up: part by " + standInName + same;
    }

    /** Blocks until the kernel is warm, or at most about {@value #CAP_SECONDS} s after the start (it may still get warm later). */
    public void await() {
        try {
            finished.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True if this warm-up runs or ran on a thread (not {@link #NONE}, not {@code cpu.warmup=never}). */
    boolean compiles() {
        return hotOps.length > 0;
    }

    /**
     * Waits until the JIT has completed no compilation for {@value #QUIET_MS} ms, at most {@code capMillis}; returns
     * at once where the JVM does not monitor compilation time. Why: a kernel counts as warm when its compiled code is
     * fast, but C2 often still recompiles it then (profiled-predicate traps as the warm-up switches between ops):
     * 40–90 ms of a core per compile, measured taking one of the two cores from the first calls after
     * {@link #await()} (first call 1.8× the steady state, 1.1–1.3× after this wait). QUIET_MS is longer than
     * one such compile: the counter moves only when a compilation ends.
     */
    static void awaitJitQuiet(long capMillis) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + capMillis * 1_000_000L;
        long total = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        try {
            while (System.nanoTime() - quietSince < QUIET_MS * 1_000_000L && System.nanoTime() < deadline) {
                Thread.sleep(QUIET_POLL_MS);
                long now = jit.getTotalCompilationTime();
                if (now != total) {
                    total = now;
                    quietSince = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final long QUIET_MS = 100;
    private static final long QUIET_POLL_MS = 10;

    /** For {@code sigbatch devices} and logs. */
    public String status() {
        return switch (state) {
            case WARM -> standIn == null ? "not needed" : String.format(Locale.ROOT, "done: %s compiled after %.2f s", kernel, tookNanos / 1e9);
            case LATE -> "not compiled after " + seconds(capNanos) + " s, still trying: " + kernel + " is not within 2× of " + standInName + coldOps + "; " + standInName + " computes meanwhile";
            case GAVE_UP -> "gave up after " + seconds(giveUpNanos) + " s: " + kernel + " is not within 2× of " + standInName + coldOps + "; using " + standInName;
            case NEVER -> "off (" + neverWhy + "): " + standInName + " computes everything";
            case WARMING -> String.format(Locale.ROOT, "in progress for %.2f s; %s computes meanwhile", (clock.nanoTime() - startNanos) / 1e9, standInName);
        };
    }

    private static String seconds(long nanos) {
        return nanos % 1_000_000_000L == 0 ? Long.toString(nanos / 1_000_000_000L) : String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }

    private JitWarmup start() {
        startNanos = clock.nanoTime();
        Thread t = new Thread(this::run, "sigbatch-jit-warmup-" + kernel);
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return this;
    }

    private void run() {
        int[] faster = new int[hotOps.length];
        long[] standInBest = new long[hotOps.length];
        long[] hotBest = new long[hotOps.length];
        java.util.Arrays.fill(standInBest, Long.MAX_VALUE);
        java.util.Arrays.fill(hotBest, Long.MAX_VALUE);
        try {
            // the stand-in first: callers run it until the SIMD kernel is ready, and its C1 compile must not
            // queue behind the hundreds of Vector API methods the SIMD warm-up is about to send to the JIT
            for (int i = 0; i < STAND_IN_ROUNDS; i++) {
                for (IntConsumer op : standInOps) {
                    time(op);
                }
            }
            while (true) {
                boolean all = true;
                for (int op = 0; op < hotOps.length; op++) {
                    if (faster[op] >= ROUNDS_FASTER) {
                        continue; // this op is warm: compiled code stays compiled
                    }
                    long hot = time(hotOps[op]);
                    hotBest[op] = Math.min(hotBest[op], hot);
                    standInBest[op] = Math.min(standInBest[op], time(standInOps[op]));
                    if (hot < COMPILED_MARGIN * standInBest[op]) {
                        faster[op]++;
                    }
                    all &= faster[op] >= ROUNDS_FASTER;
                }
                long elapsed = clock.nanoTime() - startNanos;
                if (all) {
                    boolean late = state == State.LATE;
                    markWarm();
                    LOG.log(late ? Level.INFO : Level.DEBUG, () -> "sigbatch CPU engine: JIT warm-up " + status());
                    return;
                }
                if (elapsed > giveUpNanos) {
                    coldOps = describeCold(faster, hotBest, standInBest);
                    state = State.GAVE_UP;
                    LOG.log(Level.WARNING, "sigbatch CPU engine: JIT warm-up " + status() + " (is the JIT off or limited, e.g. -XX:TieredStopAtLevel=1?)");
                    return;
                }
                if (elapsed > capNanos) {
                    if (state == State.WARMING) {
                        coldOps = describeCold(faster, hotBest, standInBest);
                        state = State.LATE;
                        finished.countDown(); // waiters go on with the stand-in; this thread keeps trying
                        LOG.log(Level.WARNING, "sigbatch CPU engine: JIT warm-up " + status() + " (C2 busy elsewhere, or the JIT limited, e.g. -XX:TieredStopAtLevel=1?)");
                    }
                    clock.sleep(LATE_PAUSE_MS);
                }
            }
        } catch (InterruptedException e) {
            state = State.GAVE_UP;
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            state = State.GAVE_UP;
            LOG.log(Level.WARNING, "sigbatch CPU engine: JIT warm-up of " + kernel + " failed; using " + standInName, e);
        } finally {
            finished.countDown();
        }
    }

    /** Which ops never beat the stand-in, with both best times, so a give-up can be diagnosed from its message. */
    private static String describeCold(int[] faster, long[] hotBest, long[] standInBest) {
        StringBuilder b = new StringBuilder();
        for (int op = 0; op < faster.length; op++) {
            if (faster[op] < ROUNDS_FASTER) {
                b.append(b.isEmpty() ? " (" : ", ").append(OP_NAMES[op]).append(String.format(Locale.ROOT,
                        ": %d of %d rounds within 2×, best %.1f µs against %.1f µs", faster[op], ROUNDS_FASTER, hotBest[op] / 1e3, standInBest[op] / 1e3));
            }
        }
        return b.isEmpty() ? "" : b.append(')').toString();
    }

    private static final String[] OP_NAMES = {"sigmoid", "derivative", "fused", "backward", "backwardFromOutput"};

    private long time(IntConsumer op) {
        long t0 = clock.nanoTime();
        for (int i = 0; i < CALLS; i++) {
            op.accept(64);
            op.accept(67);
        }
        op.accept(LONG);
        return clock.nanoTime() - t0;
    }

    /**
     * One call per op on arrays of {@link #LONG}: the first 67 elements on both sides of 0, past the clamp and the
     * saturation points (the short calls see only those), the rest ordinary values in (−20, 20).
     */
    static final class F32Exercise {
        static IntConsumer[] ops(F32Kernels k) {
            int n = LONG;
            float[] x = new float[n];
            float[] g = new float[n];
            float[] y = new float[n];
            float[] d = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (i < 67 ? (i - 33) * 4.5 : ordinary(i)); // −148.5 … 148.5, then (−20, 20)
                g[i] = 1f - (i % 67) / 67f;
            }
            return new IntConsumer[] {
                m -> k.sigmoid(x, 0, y, 0, m),
                m -> k.derivative(x, 0, d, 0, m),
                m -> k.fused(x, 0, y, 0, d, 0, m),
                m -> k.backward(x, 0, g, 0, d, 0, m),
                m -> k.backwardFromOutput(g, 0, g, 0, d, 0, m),
            };
        }
    }

    /** Spread over (−20, 20) without a pattern the loop could care about (a multiplicative hash of i). */
    static double ordinary(int i) {
        return ((i * 0x9E3779B1L) & 0xFFFF) / 65536.0 * 40 - 20;
    }

    static final class F64Exercise {
        static IntConsumer[] ops(F64Kernels k) {
            int n = LONG;
            double[] x = new double[n];
            double[] g = new double[n];
            double[] y = new double[n];
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = i < 67 ? (i - 33) * 25.5 : ordinary(i); // −841.5 … 841.5, then (−20, 20)
                g[i] = 1 - (i % 67) / 67.0;
            }
            return new IntConsumer[] {
                m -> k.sigmoid(x, 0, y, 0, m),
                m -> k.derivative(x, 0, d, 0, m),
                m -> k.fused(x, 0, y, 0, d, 0, m),
                m -> k.backward(x, 0, g, 0, d, 0, m),
                m -> k.backwardFromOutput(g, 0, g, 0, d, 0, m),
            };
        }
    }
}
