package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;

/** Bad input fails with a message that names the column, before any task runs where the schema tells. */
class BadInputTest {
    private static SparkSession spark;
    private static Dataset<Row> df;

    @BeforeAll
    static void start() {
        spark = SparkTestSession.get();
        StructType schema = new StructType().add("id", DataTypes.LongType).add("x", DataTypes.FloatType).add("label", DataTypes.StringType)
                .add("gd", DataTypes.DoubleType).add("arr", DataTypes.createArrayType(DataTypes.FloatType))
                .add("garr", DataTypes.createArrayType(DataTypes.FloatType)).add("ints", DataTypes.IntegerType);
        df = spark.createDataFrame(List.of(RowFactory.create(1L, 0.5f, "a", 1.0, new Float[] {1f, 2f, 3f}, new Float[] {1f, 2f}, 3)), schema);
    }

    private static String fails(SigbatchOptions.Builder b) {
        return assertThrows(IllegalArgumentException.class, () -> SigbatchSpark.apply(df, b.build())).getMessage();
    }

    @Test
    void missingColumn() {
        String m = fails(SigbatchOptions.builder(Op.SIGMOID, "logits", "y"));
        assertTrue(m.contains("input column 'logits' does not exist") && m.contains("[id, x, label"), m);
        m = fails(SigbatchOptions.builder(Op.BACKWARD, "x", "y").gradCol("gradOut"));
        assertTrue(m.contains("gradient column 'gradOut' does not exist"), m);
    }

    @Test
    void stringAndIntegerColumnsAreRefusedWithAHint() {
        String m = fails(SigbatchOptions.builder(Op.SIGMOID, "label", "y"));
        assertTrue(m.contains("input column 'label' has type string") && m.contains("cast"), m);
        m = fails(SigbatchOptions.builder(Op.SIGMOID, "ints", "y"));
        assertTrue(m.contains("input column 'ints' has type int"), m);
    }

    @Test
    void gradientOfAnotherTypeIsRefused() {
        String m = fails(SigbatchOptions.builder(Op.BACKWARD, "x", "y").gradCol("gd"));
        assertTrue(m.contains("gradient column 'gd' has type double but input column 'x' has float"), m);
    }

    @Test
    void existingOutputNeedsOverwrite() {
        String m = fails(SigbatchOptions.builder(Op.SIGMOID, "x", "label"));
        assertTrue(m.contains("output column 'label' already exists") && m.contains("overwrite"), m);
        m = fails(SigbatchOptions.builder(Op.FUSED, "x", "y").derivativeCol("ID"));
        assertTrue(m.contains("output column 'id' already exists"), "matched case-insensitively, as Spark resolves names: " + m);
        Dataset<Row> out = SigbatchSpark.apply(df, SigbatchOptions.builder(Op.SIGMOID, "x", "label").overwrite(true).build());
        assertEquals(DataTypes.FloatType, out.schema().apply("label").dataType());
        assertEquals(2, out.schema().fieldIndex("label"), "replaced in place");
    }

    @Test
    void inconsistentOptionsAreRefused() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SigbatchOptions.builder(Op.BACKWARD, "x", "y").build())
                .getMessage().contains("backward needs gradCol"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SigbatchOptions.builder(Op.SIGMOID, "x", "y").gradCol("g").build())
                .getMessage().contains("only used by backward"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SigbatchOptions.builder(Op.FUSED, "x", "y").derivativeCol("y").build())
                .getMessage().contains("both 'y'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SigbatchOptions.builder(Op.SIGMOID, "x", "y").precision("exact"))
                .getMessage().contains("unknown precision 'exact'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SigbatchOptions.builder(Op.SIGMOID, "x", "y").batchElements(0))
                .getMessage().contains("batchElements"));
    }

    /** Array lengths are only known row by row: the task fails, and the message names both columns and the row. */
    @Test
    void arraysOfDifferentLengthsFailTheTaskNamingTheColumns() {
        Dataset<Row> out = SigbatchSpark.apply(df, SigbatchOptions.builder(Op.BACKWARD, "arr", "y").gradCol("garr").build());
        SparkException e = assertThrows(SparkException.class, out::collectAsList);
        String m = String.valueOf(e.getMessage());
        assertTrue(m.contains("input column 'arr' has 3 elements but gradient column 'garr' has 2") && m.contains("row 1"), m);
    }
}
