package org.sigbatch.internal;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Closer;
import org.sigbatch.spi.CostModel;
import org.sigbatch.spi.StartupTrace;

/**
 * The backends of one evaluator: discovers the providers, opens the CPU backend and the requested
 * one (all of them for {@code auto}), remembers why others did not open, and picks the backend for a
 * call. Backends are named by their provider's id, so a new backend needs no change here.
 */
public final class BackendRegistry implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.sigbatch");
    public static final String AUTO = "auto";
    public static final String CPU = "cpu";

    private final String requested;
    private final Backend cpu;
    /** Non-CPU backends that opened, best rank first. */
    private final List<Backend> accelerators;
    private final Map<String, String> unavailable;
    private final Calibration calibration;

    private BackendRegistry(String requested, Backend cpu, List<Backend> accelerators, Map<String, String> unavailable,
            Calibration calibration) {
        this.requested = requested;
        this.calibration = calibration;
        this.cpu = cpu;
        this.accelerators = List.copyOf(accelerators);
        this.unavailable = Collections.unmodifiableMap(unavailable);
    }

    /** The providers the ServiceLoader finds, then {@code extra} (replacing those of the same id). */
    public static List<BackendProvider> discover(List<BackendProvider> extra) {
        List<BackendProvider> providers = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, BackendRegistry.class.getClassLoader())) {
            providers.add(p);
        }
        for (BackendProvider p : extra) {
            providers.removeIf(q -> q.id().equals(p.id()));
            providers.add(p);
        }
        return providers;
    }

    /** The CPU first (its JIT warm-up then runs while GPU drivers load), then by rank, highest first. */
    private static List<BackendProvider> openOrder(List<BackendProvider> found) {
        List<BackendProvider> providers = new ArrayList<>(found);
        providers.sort(Comparator.comparingInt(BackendProvider::rank).reversed());
        providers.sort(Comparator.comparing(p -> !p.id().equals(CPU))); // stable: the others keep their rank order
        return providers;
    }

    /** Whether an evaluator for {@code requested} opens {@code p}: always the CPU; every provider for auto. */
    private static boolean opens(String requested, BackendProvider p) {
        return p.id().equals(CPU) || requested.equals(AUTO) || requested.equals(p.id());
    }

    /** Preloads started in this JVM, by provider id; counted down when done. */
    private static final Map<String, CountDownLatch> PRELOADS = new ConcurrentHashMap<>();

    /**
     * Starts {@link BackendProvider#preload()} of the CPU and {@code requested} ({@code auto}: every
     * provider) on one daemon thread, in the order {@link #open} opens them; each id at most once per JVM.
     */
    public static void preload(String requested) {
        Thread t = new Thread(() -> {
            for (BackendProvider p : openOrder(discover(List.of()))) {
                CountDownLatch done = new CountDownLatch(1);
                if (!opens(requested, p) || PRELOADS.putIfAbsent(p.id(), done) != null) {
                    continue;
                }
                StartupTrace.mark("preloading " + p.id());
                try {
                    p.preload();
                } catch (RuntimeException | LinkageError e) {
                    // open() reports what went wrong
                } finally {
                    done.countDown();
                }
                StartupTrace.mark("preloaded " + p.id());
            }
        }, "sigbatch-preload");
        t.setDaemon(true);
        t.start();
    }

    /** Marks a preload that has not started as done: the backend is being opened, the driver loads now. */
    private static final CountDownLatch OPENED = new CountDownLatch(0);

    /**
     * Waits for a preload of {@code id} in progress (open() must not race the driver's initialisation);
     * one not started yet will be skipped.
     */
    private static void awaitPreload(String id) {
        CountDownLatch l = PRELOADS.putIfAbsent(id, OPENED);
        if (l == null) {
            return;
        }
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Opens the CPU backend and {@code requested} ({@code auto}: every provider).
     *
     * @throws BackendUnavailableException if an explicitly requested backend did not open
     * @throws IllegalArgumentException    if no provider has the requested id
     */
    public static BackendRegistry open(String requested, Map<String, String> options, List<BackendProvider> found) {
        List<BackendProvider> providers = openOrder(found);
        boolean known = requested.equals(AUTO) || providers.stream().anyMatch(p -> p.id().equals(requested))
                || isWellKnown(requested);
        if (!known) {
            throw new IllegalArgumentException("unknown backend '" + requested + "' (expected auto or a provider id: "
                    + String.join(", ", providers.stream().map(BackendProvider::id).toList()) + ")");
        }
        Backend cpuBackend = null;
        List<Backend> accel = new ArrayList<>();
        Map<String, String> down = new LinkedHashMap<>();
        for (BackendProvider p : providers) {
            if (!opens(requested, p)) {
                continue;
            }
            try {
                awaitPreload(p.id());
                StartupTrace.mark("opening " + p.id());
                Backend be = p.open(options, requested.equals(p.id()));
                if (p.id().equals(CPU)) {
                    cpuBackend = be;
                } else {
                    accel.add(be);
                }
            } catch (BackendUnavailableException e) {
                down.put(p.id(), reasonOf(e));
            } catch (RuntimeException | LinkageError e) {
                down.put(p.id(), e.toString());
            }
            StartupTrace.mark(p.id() + (down.containsKey(p.id()) ? " unavailable" : " open"));
        }
        if (cpuBackend == null) {
            Closer c = new Closer();
            accel.forEach(c::close);
            throw new IllegalStateException("the CPU backend did not load: " + down.getOrDefault(CPU, "no provider found on the class path"));
        }
        for (var e : down.entrySet()) {
            LOG.log(requested.equals(e.getKey()) ? Level.WARNING : Level.INFO, e.getKey() + " unavailable: " + e.getValue());
        }
        if (!requested.equals(AUTO) && !requested.equals(CPU) && accel.isEmpty()) {
            cpuBackend.close();
            String reason = down.getOrDefault(requested, "no provider for it on the class path (add the sigbatch-" + requested + " module)");
            throw new BackendUnavailableException(requested, reason);
        }
        return new BackendRegistry(requested, cpuBackend, accel, down, Calibration.of(options));
    }

    private static boolean isWellKnown(String id) {
        for (BackendKind k : BackendKind.values()) {
            if (k.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private static String reasonOf(BackendUnavailableException e) {
        String m = e.getMessage();
        String prefix = e.backend() + " unavailable: ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    public String requested() {
        return requested;
    }

    public Backend cpu() {
        return cpu;
    }

    /** Ids of the backends that opened, best first; always ends with {@code cpu}. */
    public List<String> available() {
        List<String> ids = new ArrayList<>();
        accelerators.forEach(b -> ids.add(b.id()));
        ids.add(cpu.id());
        return ids;
    }

    public Map<String, String> unavailable() {
        return unavailable;
    }

    public Backend backend(String id) {
        if (cpu.id().equals(id)) {
            return cpu;
        }
        for (Backend b : accelerators) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        throw new IllegalArgumentException("backend '" + id + "' is not open in this evaluator (open: " + available() + ")");
    }

    /** Where {@code allocate} puts arrays: the requested backend, or for auto the best accelerator, else the heap. */
    public Backend allocationTarget() {
        return requested.equals(CPU) || accelerators.isEmpty() ? cpu : accelerators.get(0);
    }

    /**
     * The backend for a call: the owner of its device arrays if any; else the requested one; for
     * auto, among the accelerators that support the op and dtype, the first (by rank) with a fixed
     * break-even size the batch reaches, else whichever of the CPU and the accelerators that AUTO
     * measures ({@link Backend#CALIBRATE}) has the lowest predicted time ({@link CostModel}).
     */
    public Backend select(Op op, DType dtype, long n, String deviceOwner) {
        if (deviceOwner != null) {
            return backend(deviceOwner);
        }
        if (requested.equals(CPU)) {
            return cpu;
        }
        boolean auto = requested.equals(AUTO);
        List<Backend> measured = new ArrayList<>();
        for (Backend b : accelerators) {
            if (!b.supports(op, dtype)) {
                continue;
            }
            if (!auto) {
                return b;
            }
            long be = b.breakEvenElements(op, dtype);
            if (be == Backend.CALIBRATE) {
                measured.add(b);
            } else if (n >= be && measured.isEmpty()) {
                return b;
            }
        }
        if (!auto && !accelerators.isEmpty()) {
            throw new UnsupportedOperationException(requested + " does not support " + op.label() + " on " + dtype
                    + " here (" + accelerators.get(0).device() + ")");
        }
        if (measured.isEmpty()) {
            return cpu;
        }
        Map<Backend, CostModel.Line> lines = new LinkedHashMap<>();
        lines.put(cpu, calibration.line(cpu, op, dtype)); // first: a tie stays on the CPU
        for (Backend b : measured) {
            lines.put(b, calibration.line(b, op, dtype));
        }
        return CostModel.cheapest(lines, n);
    }

    /** The cost model's inputs for {@code sigbatch devices}: measured lines, or why there are none. */
    public Map<String, String> costModel(String id) {
        Backend b = backend(id);
        boolean measured = b == cpu ? accelerators.stream().anyMatch(BackendRegistry::measured) : measured(b);
        if (measured) {
            return calibration.describe(b);
        }
        long be = b.breakEvenElements(Op.SIGMOID, DType.F32);
        return Map.of("cost model", b == cpu ? "not needed (no accelerator here is measured against the CPU)"
                : "not measured: " + (be == Long.MAX_VALUE ? "never taken by AUTO for host data" : "taken by AUTO from " + be + " elements (fixed)"));
    }

    private static boolean measured(Backend b) {
        return b.breakEvenElements(Op.SIGMOID, DType.F32) == Backend.CALIBRATE || b.breakEvenElements(Op.SIGMOID, DType.F64) == Backend.CALIBRATE;
    }

    /** Closes every backend; the first failure (e.g. a leak report) is thrown, the others suppressed. */
    @Override
    public void close() {
        Closer c = new Closer();
        accelerators.forEach(c::close);
        c.close(cpu);
        c.rethrow();
    }
}
