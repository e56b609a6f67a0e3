package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;

/** Every op on every column kind through a real local[2] Spark, against the core evaluator bit for bit. */
class SigbatchSparkTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.get();
    }

    static List<Row> sorted(Dataset<Row> df) {
        List<Row> rows = df.collectAsList();
        return rows.stream().sorted(Comparator.comparingLong(r -> r.getLong(r.fieldIndex("id")))).toList();
    }

    /** All five ops chained in one plan; chunks of 500 elements, so partitions span many chunks and one array row exceeds a chunk. */
    @ParameterizedTest
    @EnumSource(ColumnKind.class)
    void everyOpMatchesTheCoreEvaluatorBitForBit(ColumnKind kind) {
        List<Row> input = TestData.rows(kind, kind.array ? 120 : 3000, 1300, 42 + kind.ordinal());
        Dataset<Row> df = TestData.frame(spark, kind, input, 2);
        BackendReport report = BackendReport.register(spark.sparkContext(), "test " + kind);
        Dataset<Row> out = df;
        out = SigbatchSpark.apply(out, opts(Op.SIGMOID, "x", "s").batchElements(500).build(), report);
        out = SigbatchSpark.apply(out, opts(Op.DERIVATIVE, "x", "d").batchElements(500).build(), report);
        out = SigbatchSpark.apply(out, opts(Op.FUSED, "x", "fs").derivativeCol("fd").batchElements(500).build(), report);
        out = SigbatchSpark.apply(out, opts(Op.BACKWARD, "x", "b").gradCol("g").batchElements(500).build(), report);
        out = SigbatchSpark.apply(out, opts(Op.BACKWARD_FROM_OUTPUT, "s", "bo").gradCol("g").batchElements(500).build(), report);

        assertEquals(List.of("id", "x", "g", "s", "d", "fs", "fd", "b", "bo"), Arrays.asList(out.columns()));
        assertEquals(out.schema().apply("x").dataType(), out.schema().apply("s").dataType(), "output type = input type");

        List<Row> rows = sorted(out);
        assertEquals(input.size(), rows.size());
        TestData.assertMatchesCore(rows, kind, Op.SIGMOID, 0, "x", null, "s");
        TestData.assertMatchesCore(rows, kind, Op.DERIVATIVE, 0, "x", null, "d");
        TestData.assertMatchesCore(rows, kind, Op.FUSED, 0, "x", null, "fs");
        TestData.assertMatchesCore(rows, kind, Op.FUSED, 1, "x", null, "fd");
        TestData.assertMatchesCore(rows, kind, Op.BACKWARD, 0, "x", "g", "b");
        TestData.assertMatchesCore(rows, kind, Op.BACKWARD_FROM_OUTPUT, 0, "s", "g", "bo");

        // 5 ops x 2 partitions, all on the CPU (no GPU in local mode), and many calls per partition.
        assertEquals(10, report.partitions("cpu"), report.summary());
        BackendReport.Stats cpu = report.value().get("cpu");
        assertTrue(cpu.chunks() > 20, "a partition spans several chunks: " + report.summary());
    }

    /** The special values' results are the documented ones, not only equal to the core's. */
    @Test
    void specialValuesKeepTheirMeaning() {
        List<Row> input = TestData.rows(ColumnKind.FLOAT, 0, 0, 1);
        List<Row> rows = sorted(SigbatchSpark.apply(TestData.frame(spark, ColumnKind.FLOAT, input, 2),
                opts(Op.FUSED, "x", "y").derivativeCol("dy").build()));
        for (Row r : rows) {
            if (r.isNullAt(1)) {
                assertTrue(r.isNullAt(r.fieldIndex("y")) && r.isNullAt(r.fieldIndex("dy")), "null in, null out");
                continue;
            }
            float x = r.getFloat(1);
            float y = r.getFloat(r.fieldIndex("y"));
            float d = r.getFloat(r.fieldIndex("dy"));
            if (Float.isNaN(x)) {
                assertTrue(Float.isNaN(y) && Float.isNaN(d), "NaN stays NaN");
            } else if (x == Float.POSITIVE_INFINITY) {
                assertEquals(1f, y);
                assertEquals(0f, d);
            } else if (x == Float.NEGATIVE_INFINITY) {
                assertEquals(0f, y);
                assertEquals(0f, d);
            } else if (x == 0f) {
                assertEquals(0.5f, y);
                assertEquals(0.25f, d);
            } else if (x == -100f) {
                assertTrue(y > 0 && y < Float.MIN_NORMAL, "σ(-100) is subnormal, not flushed: " + y);
            }
        }
    }

    @Test
    void emptyPartitionsAndAnEmptyFrame() {
        List<Row> three = TestData.rows(ColumnKind.DOUBLE, 0, 0, 7).subList(0, 3);
        BackendReport report = BackendReport.register(spark.sparkContext(), "empty partitions");
        Dataset<Row> df = TestData.frame(spark, ColumnKind.DOUBLE, three, 4);
        assertEquals(4, df.rdd().getNumPartitions());
        List<Row> rows = sorted(SigbatchSpark.apply(df, opts(Op.SIGMOID, "x", "y").build(), report));
        assertEquals(3, rows.size());
        TestData.assertMatchesCore(rows, ColumnKind.DOUBLE, Op.SIGMOID, 0, "x", null, "y");
        assertEquals(3, report.partitions("cpu"), "the empty partition computes nothing: " + report.summary());

        BackendReport none = BackendReport.register(spark.sparkContext(), "empty frame");
        Dataset<Row> empty = TestData.frame(spark, ColumnKind.DOUBLE, List.of(), 2);
        assertEquals(0, SigbatchSpark.apply(empty, opts(Op.SIGMOID, "x", "y").build(), none).count());
        assertTrue(none.isZero(), none.summary());
    }

    @Test
    void chunksSplitAPartitionAtTheBatchSize() {
        List<Row> input = TestData.rows(ColumnKind.FLOAT, 1000 - TestData.SPECIALS.length - 3, 0, 3);
        assertEquals(1000, input.size());
        BackendReport report = BackendReport.register(spark.sparkContext(), "chunks");
        Dataset<Row> out = SigbatchSpark.apply(TestData.frame(spark, ColumnKind.FLOAT, input, 2),
                opts(Op.SIGMOID, "x", "y").batchElements(100).build(), report);
        TestData.assertMatchesCore(sorted(out), ColumnKind.FLOAT, Op.SIGMOID, 0, "x", null, "y");
        BackendReport.Stats s = report.value().get("cpu");
        // 1000 rows, 2 of them with a null x: 998 elements; 500 rows per partition in chunks of at most 100.
        assertEquals(2, s.partitions());
        assertEquals(1000, s.rows());
        assertEquals(998, s.elements());
        assertEquals(10, s.chunks(), report.summary());
    }

    @Test
    void overwriteReplacesTheColumnInPlace() {
        List<Row> input = TestData.rows(ColumnKind.DOUBLE, 50, 0, 9);
        Dataset<Row> df = TestData.frame(spark, ColumnKind.DOUBLE, input, 2);
        Dataset<Row> out = SigbatchSpark.apply(df, opts(Op.SIGMOID, "x", "g").overwrite(true).build());
        assertEquals(List.of("id", "x", "g"), Arrays.asList(out.columns()));
        TestData.assertMatchesCore(sorted(out), ColumnKind.DOUBLE, Op.SIGMOID, 0, "x", null, "g");
    }

    @Test
    void arrayOutputsKeepShapesAndNullElements() {
        List<Row> input = TestData.rows(ColumnKind.FLOAT_ARRAY, 10, 5, 11);
        Dataset<Row> out = SigbatchSpark.apply(TestData.frame(spark, ColumnKind.FLOAT_ARRAY, input, 2), opts(Op.SIGMOID, "x", "y").build());
        assertEquals(DataTypes.createArrayType(DataTypes.FloatType, true), out.schema().apply("y").dataType());
        for (Row r : sorted(out)) {
            if (r.isNullAt(1)) {
                assertTrue(r.isNullAt(3));
                continue;
            }
            List<Object> x = r.getList(1);
            List<Object> y = r.getList(3);
            assertEquals(x.size(), y.size(), "shape kept");
            for (int i = 0; i < x.size(); i++) {
                assertEquals(x.get(i) == null, y.get(i) == null, "null element stays null at " + i);
            }
        }
        Dataset<Row> noNulls = spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create(0L, new float[] {0f, 1f}, null)),
                new org.apache.spark.sql.types.StructType().add("id", DataTypes.LongType)
                        .add("x", DataTypes.createArrayType(DataTypes.FloatType, false)).add("g", DataTypes.FloatType));
        Dataset<Row> y = SigbatchSpark.apply(noNulls, opts(Op.SIGMOID, "x", "y").build());
        assertEquals(false, ((ArrayType) y.schema().apply("y").dataType()).containsNull());
        List<Object> v = y.collectAsList().get(0).getList(3);
        assertArrayEquals(new Object[] {0.5f, TestData.expected(Op.SIGMOID, 0, ColumnKind.FLOAT_ARRAY, new Object[] {1f}, null)[0]}, v.toArray());
    }

    static SigbatchOptions.Builder opts(Op op, String in, String out) {
        return SigbatchOptions.builder(op, in, out);
    }
}
