package org.sigbatch.spark;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;

/**
 * The evaluators of one executor JVM: one per backend, device and settings, opened lazily by the
 * first task that needs it, shared by every task of the executor (a {@link Sigmoid} is thread-safe),
 * and closed by a JVM shutdown hook. A GPU that cannot open is tried once per JVM; its tasks then
 * run on the CPU evaluator and every partition records why.
 */
final class ExecutorEvaluators {
    private static final System.Logger LOG = System.getLogger("org.sigbatch.spark");
    private static final Map<Key, Handle> OPEN = new ConcurrentHashMap<>();
    private static final Object LOCK = new Object();
    private static boolean hookInstalled;
    /** Incremented by {@link #closeAll()}: callers that cache a handle re-acquire when it changes. */
    private static volatile int generation;

    private ExecutorEvaluators() {
    }

    /**
     * An evaluator and what it stands for.
     *
     * @param sigmoid  the evaluator
     * @param label    where it computes: {@code cuda:0}, {@code cpu}, ...
     * @param fallback null, or why the planned device did not open (then {@code sigmoid} is the CPU's)
     * @param planned  the label of the planned device
     */
    record Handle(Sigmoid sigmoid, String label, String fallback, String planned) {
    }

    private record Key(BackendKind kind, Map<String, String> options, VerifyPolicy verify) {
    }

    /**
     * The evaluator for a task's plan. When the planned GPU cannot open this returns the CPU
     * evaluator with the reason, or throws if {@code cpuFallback} is off.
     */
    static Handle acquire(DevicePlan plan, SigbatchOptions o, int taskCpus) {
        Map<String, String> opts = new TreeMap<>();
        // A task owns spark.task.cpus cores: the CPU engine uses that many threads unless told otherwise.
        opts.put("cpu.threads", Integer.toString(Math.max(1, taskCpus)));
        opts.putAll(o.backendOptions());
        opts.putAll(plan.options());
        opts.put("precision", o.precision());
        Key key = new Key(plan.kind(), Map.copyOf(opts), o.verify());
        Handle h = OPEN.get(key);
        if (h == null) {
            synchronized (LOCK) {
                h = OPEN.get(key);
                if (h == null) {
                    h = open(key, plan);
                    OPEN.put(key, h);
                    installHook();
                }
            }
        }
        if (h.fallback() != null && !o.cpuFallback()) {
            throw new IllegalStateException("sigbatch: " + h.fallback() + " (cpuFallback is off, so the task fails)");
        }
        return h;
    }

    private static Handle open(Key key, DevicePlan plan) {
        try {
            return new Handle(build(key), plan.label(), null, plan.label());
        } catch (BackendUnavailableException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            if (key.kind() == BackendKind.CPU) {
                throw e;
            }
            String reason = plan.label() + " unavailable: " + reasonOf(e);
            LOG.log(Level.WARNING, "sigbatch: " + reason + "; this executor's tasks use the CPU instead");
            Map<String, String> cpuOpts = new TreeMap<>(key.options());
            cpuOpts.remove(DevicePlan.CUDA_DEVICE);
            Key cpuKey = new Key(BackendKind.CPU, Map.copyOf(cpuOpts), key.verify());
            Handle cpu = OPEN.get(cpuKey);
            if (cpu == null) {
                cpu = new Handle(build(cpuKey), "cpu", null, "cpu");
                OPEN.put(cpuKey, cpu);
            }
            return new Handle(cpu.sigmoid(), "cpu", reason, plan.label());
        }
    }

    /** The message without the exception's own "cuda unavailable: " prefix. */
    private static String reasonOf(RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        if (e instanceof BackendUnavailableException u && m.startsWith(u.backend() + " unavailable: ")) {
            return m.substring(u.backend().length() + " unavailable: ".length());
        }
        return m;
    }

    private static Sigmoid build(Key key) {
        Sigmoid.Builder b = Sigmoid.builder().backend(key.kind()).verify(key.verify());
        key.options().forEach(b::option);
        return b.build();
    }

    private static void installHook() {
        if (!hookInstalled) {
            hookInstalled = true;
            Runtime.getRuntime().addShutdownHook(new Thread(ExecutorEvaluators::closeAll, "sigbatch-close"));
        }
    }

    /** Closes every evaluator of this JVM (the shutdown hook; tests). Later tasks open new ones. */
    static void closeAll() {
        List<Sigmoid> toClose = new ArrayList<>();
        synchronized (LOCK) {
            Set<Sigmoid> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Handle h : OPEN.values()) {
                if (seen.add(h.sigmoid())) {
                    toClose.add(h.sigmoid());
                }
            }
            OPEN.clear();
            generation++;
        }
        for (Sigmoid s : toClose) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "sigbatch: closing an evaluator failed: " + e);
            }
        }
    }

    static int generation() {
        return generation;
    }

    /** Number of distinct evaluators open in this JVM (tests). */
    static int openCount() {
        Set<Sigmoid> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        OPEN.values().forEach(h -> seen.add(h.sigmoid()));
        return seen.size();
    }
}
