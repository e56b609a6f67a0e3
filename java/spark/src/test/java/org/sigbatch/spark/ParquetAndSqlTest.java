package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;

/** Parquet written by Spark, read (columnar), transformed and written again; and the SQL functions. */
class ParquetAndSqlTest {
    private static SparkSession spark;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSession.get();
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "parquet");
    }

    @Test
    void parquetRoundTrip() {
        for (ColumnKind kind : new ColumnKind[] {ColumnKind.FLOAT, ColumnKind.DOUBLE_ARRAY}) {
            List<Row> input = TestData.rows(kind, kind.array ? 60 : 2000, 400, 31);
            String in = dir.resolve("in-" + kind).toString();
            String out = dir.resolve("out-" + kind).toString();
            TestData.frame(spark, kind, input, 2).write().mode(SaveMode.Overwrite).parquet(in);

            Dataset<Row> read = spark.read().parquet(in);
            SigbatchSpark.apply(read, SigbatchOptions.builder(Op.BACKWARD, "x", "gradIn").gradCol("g").batchElements(1000).build())
                    .write().mode(SaveMode.Overwrite).parquet(out);

            List<Row> rows = SigbatchSparkTest.sorted(spark.read().parquet(out));
            assertEquals(input.size(), rows.size());
            assertEquals(List.of("id", "x", "g", "gradIn"), List.of(spark.read().parquet(out).columns()));
            TestData.assertMatchesCore(rows, kind, Op.BACKWARD, 0, "x", "g", "gradIn");
        }
    }

    /** A plain Parquet read is a columnar scan: its batches are read directly (every op, float and double, with nulls). */
    @Test
    void columnarScansGiveTheSameResults() {
        for (ColumnKind kind : new ColumnKind[] {ColumnKind.FLOAT, ColumnKind.DOUBLE}) {
            List<Row> input = TestData.rows(kind, 3000, 0, 51);
            String in = dir.resolve("columnar-" + kind).toString();
            TestData.frame(spark, kind, input, 2).write().mode(SaveMode.Overwrite).parquet(in);
            Dataset<Row> read = spark.read().parquet(in);
            assertNotNull(ColumnarFunction.source((org.apache.spark.sql.classic.Dataset<Row>) read,
                    ColumnPlan.of(read.schema(), SigbatchOptions.builder(Op.SIGMOID, "x", "y").build())), "a bare Parquet scan is columnar");
            assertNull(ColumnarFunction.source((org.apache.spark.sql.classic.Dataset<Row>) read.filter("id > 3"),
                    ColumnPlan.of(read.schema(), SigbatchOptions.builder(Op.SIGMOID, "x", "y").build())), "a filtered scan is not");
            BackendReport report = BackendReport.register(spark.sparkContext(), "columnar " + kind);
            // Every op on float; on double the three shapes (one output, two outputs, a gradient input).
            Op[] ops = kind == ColumnKind.FLOAT ? Op.values() : new Op[] {Op.SIGMOID, Op.FUSED, Op.BACKWARD};
            for (Op op : ops) {
                SigbatchOptions.Builder b = SigbatchOptions.builder(op, "x", "y");
                if (op == Op.BACKWARD || op == Op.BACKWARD_FROM_OUTPUT) {
                    b.gradCol("g");
                }
                List<Row> rows = SigbatchSparkTest.sorted(SigbatchSpark.apply(read, b.build(), report));
                assertEquals(input.size(), rows.size());
                TestData.assertMatchesCore(rows, kind, op, 0, "x", b.build().gradCol(), "y");
                if (op == Op.FUSED) {
                    TestData.assertMatchesCore(rows, kind, op, 1, "x", null, "y_derivative");
                }
            }
            assertTrue(report.partitions("cpu") >= ops.length, report.summary());
        }
    }

    @Test
    void sqlFunctionsMatchTheCore() {
        SigbatchFunctions.register(spark);
        List<Row> input = TestData.rows(ColumnKind.DOUBLE, 200, 0, 41);
        TestData.frame(spark, ColumnKind.DOUBLE, input, 2).createOrReplaceTempView("t");
        List<Row> rows = SigbatchSparkTest.sorted(spark.sql("SELECT id, x, g, sigbatch_sigmoid(x) AS s, sigbatch_derivative(x) AS d, "
                + "sigbatch_backward(x, g) AS b, sigbatch_backward_from_output(sigbatch_sigmoid(x), g) AS bo, sigbatch_sigmoid(x) AS y FROM t"));
        TestData.assertMatchesCore(rows, ColumnKind.DOUBLE, Op.SIGMOID, 0, "x", null, "s");
        TestData.assertMatchesCore(rows, ColumnKind.DOUBLE, Op.DERIVATIVE, 0, "x", null, "d");
        TestData.assertMatchesCore(rows, ColumnKind.DOUBLE, Op.BACKWARD, 0, "x", "g", "b");
        TestData.assertMatchesCore(rows, ColumnKind.DOUBLE, Op.BACKWARD_FROM_OUTPUT, 0, "y", "g", "bo");
        Row floatArg = spark.sql("SELECT sigbatch_sigmoid(CAST(0 AS FLOAT)), sigbatch_sigmoid(CAST(NULL AS DOUBLE))").first();
        assertEquals(0.5, floatArg.getDouble(0));
        assertTrue(floatArg.isNullAt(1));
    }
}
