package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** Parquet written by Spark, read, transformed and written again; and the SQL functions. */
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
