package org.sigbatch.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sigbatch.DType;
import org.sigbatch.Op;
import org.sigbatch.spi.Backend;
import org.sigbatch.spi.BackendFailure;
import org.sigbatch.spi.BackendProvider;
import org.sigbatch.spi.Batch;
import org.sigbatch.spi.CostModel;
import org.sigbatch.spi.Timings;

/** The probe, its cache on disk (read, write, corruption, XDG) and AUTO's use of it, on a backend that spins a known time. */
class CalibrationTest {
    /** Takes {@code fixed + n × per} ns per call (busy-waiting), or fails. */
    static final class Timed implements Backend {
        final String id;
        final long fixed;
        final double per;
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean fail;
        volatile String standIn;

        Timed(String id, long fixed, double per) {
            this.id = id;
            this.fixed = fixed;
            this.per = per;
        }

        @Override public String id() { return id; }
        @Override public String device() { return id + " device"; }
        @Override public boolean supports(Op op, DType dtype) { return true; }
        @Override public long breakEvenElements(Op op, DType dtype) { return id.equals("cpu") ? 0 : CALIBRATE; }
        @Override public Map<String, String> describe() { return Map.of("driver", "1.2.3"); }
        @Override public void close() { }

        @Override
        public Timings execute(Op op, Batch batch) throws BackendFailure {
            calls.incrementAndGet();
            if (fail) {
                throw new BackendFailure("simulated device error", 0, null);
            }
            long end = System.nanoTime() + fixed + (long) (batch.length() * per);
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            return new Timings(0, 0, standIn);
        }
    }

    @Test
    void probesOnceFitsTheLineAndCachesIt(@TempDir Path dir) {
        Timed gpu = new Timed("gpu", 300_000, 2.0);
        Calibration cal = new Calibration(dir);
        CostModel.Line l = cal.line(gpu, Op.SIGMOID, DType.F32);
        assertEquals(1 + 2 * Calibration.REPEATS, gpu.calls.get(), "one untimed call, then the best of 3 at each size");
        assertEquals(2.0, l.nanosPerElement(), 1.0, "per element, within timing noise: " + l);
        assertTrue(l.fixedNanos() > 150_000 && l.fixedNanos() < 3_000_000, "fixed: " + l);
        assertSame(l, cal.line(gpu, Op.DERIVATIVE, DType.F32), "same op class: from memory");
        assertEquals(7, gpu.calls.get());
        assertEquals(1, list(dir).size());
        // a new process (a new Calibration) reads the file and does not probe
        Timed again = new Timed("gpu", 300_000, 2.0);
        assertEquals(l, new Calibration(dir).line(again, Op.DERIVATIVE, DType.F32));
        assertEquals(0, again.calls.get());
        // another class or dtype is probed and added to the same file
        new Calibration(dir).line(again, Op.FUSED, DType.F64);
        assertEquals(7, again.calls.get());
        Map<String, CostCache.Entry> onDisk = new CostCache(dir, Calibration.key(again)).read();
        assertEquals(java.util.Set.of("TWO_ARRAYS.F32", "THREE_ARRAYS.F64"), onDisk.keySet());
        assertTrue(new Calibration(dir).describe(again).get("cost TWO_ARRAYS.F32").contains("ns/element"), "devices shows the inputs");
    }

    @Test
    void aCorruptCacheIsIgnoredAndRewritten(@TempDir Path dir) throws Exception {
        Timed gpu = new Timed("gpu", 100_000, 1.0);
        CostCache cache = new CostCache(dir, Calibration.key(gpu));
        String key = "key=" + Calibration.key(gpu) + "\n";
        String[] corrupt = {
            "\u0000\uffff not properties \\u12",                    // unparsable escape
            "format=1\nkey=another backend\nTWO_ARRAYS.F32=1 2 3 4\n", // another key (hash collision)
            "format=1\n" + key + "TWO_ARRAYS.F32=4096 -5 262144 10\n",  // negative time
            "format=1\n" + key + "TWO_ARRAYS.F32=4096 5 262144\n",      // missing field
            "format=1\n" + key + "TWO_ARRAYS.F32=4096 5 100 10\n",      // n2 < n1
            "format=9\n" + key,                                         // unknown format
        };
        for (String bad : corrupt) {
            Files.writeString(cache.file(), bad);
            assertTrue(cache.read().isEmpty(), "ignored: " + bad);
            int before = gpu.calls.get();
            new Calibration(dir).line(gpu, Op.SIGMOID, DType.F32);
            assertEquals(before + 7, gpu.calls.get(), "probed again after: " + bad);
            assertEquals(1, cache.read().size(), "rewritten after: " + bad);
        }
        assertEquals(1, list(dir).size(), "no temp files left");
    }

    @Test
    void cacheRoundTripAndXdg(@TempDir Path dir) {
        CostCache c = new CostCache(dir.resolve("new/sub"), "cuda | NVIDIA H200 = x : y | driver 580 | sigbatch dev");
        c.write(Map.of("TWO_ARRAYS.F32", new CostCache.Entry(4096, 61234.5, 262144, 89000.25)));
        Map<String, CostCache.Entry> back = c.read();
        assertEquals(new CostCache.Entry(4096, 61234.5, 262144, 89000.25), back.get("TWO_ARRAYS.F32"));
        assertEquals(Path.of("/x/cache/sigbatch"), CostCache.defaultDir("/x/cache", "/home/u"));
        assertEquals(Path.of("/home/u/.cache/sigbatch"), CostCache.defaultDir(null, "/home/u"));
        assertEquals(Path.of("/home/u/.cache/sigbatch"), CostCache.defaultDir("", "/home/u"));
        assertEquals(Path.of("/home/u/.cache/sigbatch"), CostCache.defaultDir("relative/dir", "/home/u"), "XDG requires an absolute path");
    }

    @Test
    void anUnwritableCacheCostsOnlyAProbe(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("not-a-dir");
        Files.writeString(file, "x");
        Timed gpu = new Timed("gpu", 50_000, 1.0);
        CostModel.Line l = new Calibration(file).line(gpu, Op.SIGMOID, DType.F32);
        assertTrue(l.nanosPerElement() > 0);
    }

    @Test
    void aFailingProbeIsNeverPickedAndNotCached(@TempDir Path dir) {
        Timed gpu = new Timed("gpu", 50_000, 1.0);
        gpu.fail = true;
        assertSame(CostModel.Line.NEVER, new Calibration(dir).line(gpu, Op.SIGMOID, DType.F32));
        assertTrue(list(dir).isEmpty());
    }

    @Test
    void aColdCpuIsNotCachedAndMeasuredAgainLater(@TempDir Path dir) {
        Timed cpu = new Timed("cpu", 10_000, 0.5);
        cpu.standIn = "cpu: scalar stand-in during JIT warm-up";
        Calibration cal = new Calibration(dir);
        cal.line(cpu, Op.SIGMOID, DType.F32);
        assertTrue(list(dir).isEmpty(), "a cold CPU's line is not cached");
        cal.line(cpu, Op.SIGMOID, DType.F32);
        assertEquals(7, cpu.calls.get(), "kept in memory until the retry time");
    }

    @Test
    void offMeansNoFile(@TempDir Path dir) {
        Calibration cal = Calibration.of(Map.of("cost.cache", "off"));
        Timed gpu = new Timed("gpu", 50_000, 1.0);
        cal.line(gpu, Op.SIGMOID, DType.F32);
        assertTrue(cal.describe(gpu).get("cost model").contains("not cached"));
        assertEquals(dir.resolve("c"), dirOf(Calibration.of(Map.of("cost.cache", dir.resolve("c").toString())), gpu).getParent());
    }

    private static Path dirOf(Calibration c, Backend b) {
        String d = c.describe(b).get("cost model");
        return Path.of(d.substring(d.indexOf("cached in ") + "cached in ".length()));
    }

    @Test
    void constantsFromAGpuRunReplaceTheProbe(@TempDir Path dir) {
        Timed gpu = new Timed("gpu", 50_000, 1.0);
        Calibration cal = Calibration.of(Map.of("cost.cache", dir.toString(), "cost.gpu.TWO_ARRAYS.F32", "4096 60000 262144 86000"));
        CostModel.Line l = cal.line(gpu, Op.SIGMOID, DType.F32);
        assertEquals(0, gpu.calls.get(), "no probe");
        assertEquals(CostModel.fit(4096, 60000, 262144, 86000), l);
        assertTrue(list(dir).isEmpty(), "given lines are not cached");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Calibration.of(Map.of("cost.gpu.TWO_ARRAYS.F32", "fast")));
        assertTrue(e.getMessage().contains("cost.gpu.TWO_ARRAYS.F32 must be 'n1 t1 n2 t2'"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Calibration.of(Map.of("cost.gpu.SIGMOID.F32", "4096 1 262144 2")));
        assertTrue(e.getMessage().contains("unknown option cost.gpu.SIGMOID.F32"), e.getMessage());
    }

    /** AUTO through the registry: the CPU below the crossing, the accelerator above, from measured lines. */
    @Test
    void autoPicksTheLowestPredictedTime(@TempDir Path dir) {
        Timed cpu = new Timed("cpu", 5_000, 8.0);
        Timed gpu = new Timed("gpu", 400_000, 0.5);
        List<BackendProvider> providers = List.of(provider(cpu, 0), provider(gpu, 20));
        try (BackendRegistry r = BackendRegistry.open("auto", Map.of("cost.cache", dir.toString()), providers)) {
            // crossing near (400000 - 5000) / 7.5 = 52667 elements
            assertEquals("cpu", r.select(Op.SIGMOID, DType.F32, 4096, null).id());
            assertEquals("gpu", r.select(Op.SIGMOID, DType.F32, 1 << 22, null).id());
            assertEquals("gpu", r.select(Op.SIGMOID, DType.F32, 1L << 30, null).id());
            assertFalse(r.costModel("gpu").isEmpty());
        }
    }

    private static BackendProvider provider(Backend b, int rank) {
        return new BackendProvider() {
            @Override public String id() { return b.id(); }
            @Override public int rank() { return rank; }
            @Override public Backend open(Map<String, String> options) { return b; }
        };
    }

    private static List<Path> list(Path dir) {
        try (var s = Files.list(dir)) {
            return s.toList();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
