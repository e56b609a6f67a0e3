package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;

/** The ML Transformer: params, a Pipeline, save and load (MLWritable / MLReadable). */
class TransformerTest {
    private static SparkSession spark;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSession.get();
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "ml");
    }

    private static SigmoidTransformer fused() {
        return new SigmoidTransformer().setOp("fused").setInputCol("x").setOutputCol("y").setDerivativeCol("dy")
                .setPrecision("accurate").setBackend("cpu").setBatchSize(300);
    }

    @Test
    void paramsSurviveSaveAndLoad() throws Exception {
        SigmoidTransformer t = fused();
        String path = dir.resolve("transformer").toString();
        t.write().overwrite().save(path);
        SigmoidTransformer back = SigmoidTransformer.load(path);
        assertEquals(t.uid(), back.uid());
        assertEquals(t.options().toString(), back.options().toString());
        assertEquals(300, back.options().batchElements());
        assertEquals("dy", back.options().derivativeCol());
        assertEquals("cpu", back.getOrDefault(back.backend()));
    }

    @Test
    void aPipelineOfTwoStagesRunsSavesAndLoads() throws Exception {
        List<Row> input = TestData.rows(ColumnKind.FLOAT, 800, 0, 21);
        Dataset<Row> df = TestData.frame(spark, ColumnKind.FLOAT, input, 2);
        SigmoidTransformer backward = new SigmoidTransformer().setOp("backward-from-output").setInputCol("y").setGradCol("g")
                .setOutputCol("gradIn");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {fused(), backward});
        PipelineModel model = pipeline.fit(df);
        List<Row> first = SigbatchSparkTest.sorted(model.transform(df));
        TestData.assertMatchesCore(first, ColumnKind.FLOAT, Op.FUSED, 0, "x", null, "y");
        TestData.assertMatchesCore(first, ColumnKind.FLOAT, Op.FUSED, 1, "x", null, "dy");
        TestData.assertMatchesCore(first, ColumnKind.FLOAT, Op.BACKWARD_FROM_OUTPUT, 0, "y", "g", "gradIn");

        String path = dir.resolve("pipeline").toString();
        model.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        assertEquals(2, loaded.stages().length);
        assertTrue(loaded.stages()[1] instanceof SigmoidTransformer);
        assertEquals(first, SigbatchSparkTest.sorted(loaded.transform(df)), "the loaded pipeline gives the same rows");
    }

    @Test
    void badParamsFailEarly() {
        assertThrows(IllegalArgumentException.class, () -> new SigmoidTransformer().setOp("tanh"));
        assertThrows(IllegalArgumentException.class, () -> new SigmoidTransformer().setBackend("tpu"));
        Dataset<Row> df = TestData.frame(spark, ColumnKind.FLOAT, TestData.rows(ColumnKind.FLOAT, 1, 0, 1), 1);
        String m = assertThrows(IllegalArgumentException.class,
                () -> new Pipeline().setStages(new PipelineStage[] {new SigmoidTransformer().setInputCol("nope").setOutputCol("y")}).fit(df))
                .getMessage();
        assertTrue(m.contains("input column 'nope' does not exist"), "transformSchema checks the columns at fit time: " + m);
        m = assertThrows(IllegalArgumentException.class, () -> new SigmoidTransformer().transform(df)).getMessage();
        assertTrue(m.contains("set inputCol and outputCol"), m);
    }
}
