package org.sigbatch.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sigbatch.DType;

/** The contract's bounded soak: 8 threads of random calls on shared evaluators for a fixed time, then nothing left behind. */
final class Soak {
    private static final int THREADS = 8;
    /** Longest soak call: short calls, many of them. */
    private static final int MAX_LENGTH = 20_000;
    /** Threads the backends may leave by design: the CPU's daemon JIT warm-up (docs/first-call.md). */
    /**
     * Daemons that are not the soak's to stop: the CPU's JIT warm-up, and JOCL's own JVM-wide cached pool
     * ("AsyncOpThread-N") that releases references after non-blocking enqueues; its idle threads exit
     * 10 s after their last task, which raced this check's 10 s wait (seen once in a clean-clone make test).
     */
    private static final List<String> ALLOWED = List.of("sigbatch-jit-warmup-", "sigbatch-warmup-prestart", "AsyncOpThread-");

    private Soak() {
    }

    static void run(BackendContract contract, int seconds) throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        long nativeBefore = contract.liveNativeObjects();
        List<DType> dtypes = contract.randomDtypes();
        long seed = Long.getLong("sigbatch.soak.seed", System.nanoTime());
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        RandomCalls calls = new RandomCalls(contract);
        AtomicInteger names = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> new Thread(r, "soak-" + names.incrementAndGet()));
        List<Future<?>> fs = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                SplittableRandom r = new SplittableRandom(seed + t);
                fs.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        calls.check(RandomCall.random(r, dtypes, MAX_LENGTH, contract.streams()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(seconds + 120L, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            calls.close(); // throws, naming them, if any device array was left open
        }
        if (nativeBefore >= 0) {
            assertEquals(nativeBefore, contract.liveNativeObjects(), "native objects after the soak");
        }
        List<String> left = leftThreads(before);
        System.out.println("Soak " + contract.backend() + ": " + THREADS + " threads, " + seconds + " s, seed " + seed + ": " + calls.calls.get()
                + " calls, " + calls.elements.get() + " output elements checked against the reference; 0 device arrays left open"
                + (nativeBefore >= 0 ? ", native objects " + nativeBefore + " before and after" : "") + ", threads left: " + left);
        assertTrue(left.isEmpty(), "threads left behind by the soak: " + left);
        assertTrue(calls.calls.get() > THREADS, "the soak made calls: " + calls.calls.get());
    }

    /** Threads started since {@code before} and still alive after up to 10 s, the allowed daemons aside. */
    private static List<String> leftThreads(Set<Thread> before) throws InterruptedException {
        List<String> left = new ArrayList<>();
        for (int wait = 0; wait < 100; wait++) {
            left.clear();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!before.contains(t) && t.isAlive() && ALLOWED.stream().noneMatch(t.getName()::startsWith)) {
                    left.add(t.getName());
                }
            }
            if (left.isEmpty()) {
                break;
            }
            Thread.sleep(100); // pools shut down by close() finish their workers asynchronously
        }
        return left;
    }
}
