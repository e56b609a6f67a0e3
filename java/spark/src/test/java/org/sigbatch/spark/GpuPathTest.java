package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sigbatch.BackendKind;
import org.sigbatch.Op;
import org.sigbatch.Sigmoid;

/**
 * The GPU path through the simulated CUDA backend ({@link FakeCudaProvider}: device 0 exists, others
 * do not): the assigned GPU opens, or the CPU takes over and the report says why.
 */
class GpuPathTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        System.setProperty(FakeCudaProvider.DEVICES, "0");
        ExecutorEvaluators.closeAll();
        spark = SparkTestSession.get();
    }

    @AfterAll
    static void stop() {
        ExecutorEvaluators.closeAll();
        System.clearProperty(FakeCudaProvider.DEVICES);
    }

    private static SigbatchOptions sigmoid(BackendKind kind, boolean fallback, String... options) {
        SigbatchOptions.Builder b = SigbatchOptions.builder(Op.SIGMOID, "x", "y").backend(kind).cpuFallback(fallback).batchElements(200);
        for (int i = 0; i < options.length; i += 2) {
            b.backendOption(options[i], options[i + 1]);
        }
        return b.build();
    }

    @Test
    void theAssignedGpuOpens() {
        ExecutorEvaluators.Handle h = PartitionLedger.evaluatorFor(sigmoid(BackendKind.AUTO, true), new String[] {"0"}, 1);
        assertEquals("cuda:0", h.label());
        assertNull(h.fallback());
        assertEquals(List.of("cuda", "cpu"), h.sigmoid().availableBackends());
    }

    @Test
    void anAssignedGpuThatCannotOpenFallsBackToTheCpuWithTheReason() {
        ExecutorEvaluators.Handle h = PartitionLedger.evaluatorFor(sigmoid(BackendKind.AUTO, true), new String[] {"3"}, 1);
        assertEquals("cpu", h.label());
        assertEquals("cuda:3", h.planned());
        assertTrue(h.fallback().startsWith("cuda:3 unavailable: ") && h.fallback().contains("simulated: device 3 cannot open"), h.fallback());
        assertEquals(List.of("cpu"), h.sigmoid().availableBackends());

        ExecutorEvaluators.Handle bad = PartitionLedger.evaluatorFor(sigmoid(BackendKind.AUTO, true), new String[] {"GPU-8f3a"}, 1);
        assertEquals("cpu", bad.label());
        assertTrue(bad.fallback().contains("GPU address 'GPU-8f3a'"), bad.fallback());
    }

    @Test
    void withoutFallbackTheTaskFails() {
        String m = assertThrows(IllegalStateException.class,
                () -> PartitionLedger.evaluatorFor(sigmoid(BackendKind.AUTO, false), new String[] {"3"}, 1)).getMessage();
        assertTrue(m.contains("cuda:3 unavailable") && m.contains("cpuFallback is off"), m);
        assertThrows(IllegalArgumentException.class,
                () -> PartitionLedger.evaluatorFor(sigmoid(BackendKind.AUTO, false), new String[] {"GPU-8f3a"}, 1));
    }

    /** One evaluator per executor JVM: concurrent tasks get the same instance. */
    @Test
    void concurrentTasksShareOneEvaluator() throws Exception {
        SigbatchOptions o = sigmoid(BackendKind.AUTO, true, "test.case", "shared");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Sigmoid>> tasks = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                tasks.add(() -> PartitionLedger.evaluatorFor(o, new String[] {"0"}, 1).sigmoid());
            }
            List<Future<Sigmoid>> got = pool.invokeAll(tasks);
            Sigmoid first = got.get(0).get();
            for (Future<Sigmoid> f : got) {
                assertSame(first, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void partitionsOnTheGpuAreReportedAndMatchTheCore() {
        List<Row> input = TestData.rows(ColumnKind.FLOAT, 500, 0, 5);
        Dataset<Row> df = TestData.frame(spark, ColumnKind.FLOAT, input, 2);
        BackendReport r = BackendReport.register(spark.sparkContext(), "gpu");
        List<Row> out = SigbatchSparkTest.sorted(SigbatchSpark.apply(df, sigmoid(BackendKind.CUDA, true), r));
        TestData.assertMatchesCore(out, ColumnKind.FLOAT, Op.SIGMOID, 0, "x", null, "y");
        assertEquals(2, r.partitions("cuda:0"), r.summary());
        assertTrue(r.summary().startsWith("2 partitions on cuda:0 ("), r.summary());
        assertEquals("cuda:0 simulated", r.value().get("cuda:0").device());
    }

    @Test
    void aGpuThatCannotOpenGivesCpuPartitionsThatSayWhy() {
        Dataset<Row> df = TestData.frame(spark, ColumnKind.DOUBLE, TestData.rows(ColumnKind.DOUBLE, 300, 0, 6), 2);
        BackendReport r = BackendReport.register(spark.sparkContext(), "fallback");
        List<Row> out = SigbatchSparkTest.sorted(SigbatchSpark.apply(df, sigmoid(BackendKind.CUDA, true, "cuda.device", "3"), r));
        TestData.assertMatchesCore(out, ColumnKind.DOUBLE, Op.SIGMOID, 0, "x", null, "y");
        Map<String, BackendReport.Stats> v = r.value();
        assertEquals(1, v.size(), r.summary());
        String label = v.keySet().iterator().next();
        assertTrue(label.startsWith("cpu (fallback: cuda:3 unavailable: simulated: device 3 cannot open"), label);
        assertEquals(2, v.get(label).partitions());
        System.out.println("report: " + r.summary());

        SigbatchOptions strict = sigmoid(BackendKind.CUDA, false, "cuda.device", "3");
        SparkException e = assertThrows(SparkException.class, () -> SigbatchSpark.apply(df, strict).count());
        assertTrue(String.valueOf(e.getMessage()).contains("cuda:3 unavailable"), e.getMessage());
    }

    @Test
    void aGpuThatFailsMidCallIsCompletedOnTheCpuAndReported() {
        Dataset<Row> df = TestData.frame(spark, ColumnKind.FLOAT, TestData.rows(ColumnKind.FLOAT, 400, 0, 8), 2);
        BackendReport r = BackendReport.register(spark.sparkContext(), "mid-call");
        List<Row> out = SigbatchSparkTest.sorted(SigbatchSpark.apply(df, sigmoid(BackendKind.CUDA, true, FakeCudaProvider.FAIL_AFTER, "10"), r));
        TestData.assertMatchesCore(out, ColumnKind.FLOAT, Op.SIGMOID, 0, "x", null, "y");
        String label = r.value().keySet().iterator().next();
        assertTrue(label.equals("cpu (fallback: cuda:0 failed mid-call after 10 elements: simulated: device lost)"), r.summary());
        assertEquals(2, r.partitions(label));
    }
}
