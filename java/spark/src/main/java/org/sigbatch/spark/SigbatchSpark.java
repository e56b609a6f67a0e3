package org.sigbatch.spark;

import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sigbatch.Op;

/**
 * σ, σ', fused and backward over DataFrame columns, in batches:
 *
 * <pre>{@code
 * Dataset<Row> out = SigbatchSpark.apply(df, Op.SIGMOID, "logit", "p");          // p = σ(logit)
 * Dataset<Row> g = SigbatchSpark.apply(df, Op.BACKWARD, "x", "gradIn", "gradOut"); // gradIn = gradOut·σ'(x)
 * out.write().parquet("out/");
 * System.out.println(SigbatchSpark.report(spark).summary());  // "8 partitions on cuda:0 (…)"
 * }</pre>
 *
 * <p>Each partition's rows are collected into primitive chunks of {@link SigbatchOptions#batchElements()}
 * elements, and each chunk is one call on the executor's shared evaluator: the task's GPU (CUDA)
 * when Spark assigned one, the CPU engine otherwise. Columns may be float, double, array&lt;float&gt; or
 * array&lt;double&gt;; the output has the input's type, a null input gives a null output, and the other
 * columns pass through. Results are bit-identical to {@link org.sigbatch.Sigmoid} on the same values.
 * The plan is lazy, like any transformation; the column checks run now.
 */
public final class SigbatchSpark {
    private static final Map<SparkContext, BackendReport> REPORTS = new WeakHashMap<>();

    private SigbatchSpark() {
    }

    /** {@code outputCol = op(inputCol)}; for {@link Op#FUSED} σ' goes to {@code <outputCol>_derivative}. */
    public static Dataset<Row> apply(Dataset<Row> df, Op op, String inputCol, String outputCol) {
        return apply(df, SigbatchOptions.builder(op, inputCol, outputCol).build());
    }

    /** The backward ops: {@code outputCol = gradCol·σ'(inputCol)}, or {@code gradCol·y(1−y)} from y = inputCol. */
    public static Dataset<Row> apply(Dataset<Row> df, Op op, String inputCol, String outputCol, String gradCol) {
        return apply(df, SigbatchOptions.builder(op, inputCol, outputCol).gradCol(gradCol).build());
    }

    /** The transformation with every option; the partitions are recorded in {@link #report(SparkSession)}. */
    public static Dataset<Row> apply(Dataset<Row> df, SigbatchOptions options) {
        Objects.requireNonNull(df, "df");
        return apply(df, options, report(df.sparkSession()));
    }

    /** The same, recording the partitions in {@code report} (null: not recorded). */
    public static Dataset<Row> apply(Dataset<Row> df, SigbatchOptions options, BackendReport report) {
        Objects.requireNonNull(df, "df");
        Objects.requireNonNull(options, "options");
        ColumnPlan plan = ColumnPlan.of(df.schema(), options);
        if (!(df instanceof org.apache.spark.sql.classic.Dataset<Row> classic)) {
            throw new IllegalArgumentException("sigbatch-spark runs in a classic Spark driver; this Dataset is a "
                    + df.getClass().getName() + " (Spark Connect is not supported)");
        }
        // Spark's internal rows or column batches, as columnar plugins use them: no conversion to external
        // Rows and back, which costs more than the kernel. The RDD holds the input columns, then the outputs.
        RDD<ColumnarBatch> batches = options.columnar() ? ColumnarFunction.source(classic, plan) : null;
        JavaRDD<InternalRow> rows = batches != null
                ? batches.toJavaRDD().mapPartitions(new ColumnarFunction(options, plan, report))
                : classic.queryExecution().toRdd().toJavaRDD().mapPartitions(new PartitionFunction(options, plan, report));
        boolean appended = true;
        for (int j = 0; j < plan.inputWidth; j++) {
            appended &= plan.passThrough[j] == j;
        }
        if (appended) {
            // No column replaced: the RDD's layout is the result's.
            return classic.sparkSession().internalCreateDataFrame(rows.rdd(), plan.outputSchema, false);
        }
        // Overwritten columns: build the RDD's layout under positional names, then place each column.
        StructType internal = new StructType();
        StructField[] in = df.schema().fields();
        for (int i = 0; i < in.length; i++) {
            internal = internal.add("_c" + i, in[i].dataType(), in[i].nullable());
        }
        StructField[] out = plan.outputSchema.fields();
        for (int k = 0; k < plan.outputIndex.length; k++) {
            StructField f = out[plan.outputIndex[k]];
            internal = internal.add("_o" + k, f.dataType(), f.nullable());
        }
        Dataset<Row> raw = classic.sparkSession().internalCreateDataFrame(rows.rdd(), internal, false);
        Column[] select = new Column[out.length];
        for (int j = 0; j < out.length; j++) {
            String source = plan.passThrough[j] >= 0 ? "_c" + plan.passThrough[j] : "_o" + outputNumber(plan, j);
            select[j] = raw.col(source).as(out[j].name(), plan.passThrough[j] >= 0 ? in[plan.passThrough[j]].metadata() : out[j].metadata());
        }
        return raw.select(select);
    }

    private static int outputNumber(ColumnPlan plan, int field) {
        for (int k = 0; k < plan.outputIndex.length; k++) {
            if (plan.outputIndex[k] == field) {
                return k;
            }
        }
        throw new IllegalStateException("field " + field + " is neither passed through nor computed");
    }

    /** The schema {@link #apply(Dataset, SigbatchOptions)} gives, or the error it would throw. */
    public static StructType outputSchema(StructType input, SigbatchOptions options) {
        return ColumnPlan.of(input, options).outputSchema;
    }

    /**
     * The report of this session's Spark application: which backend computed each partition. It is
     * registered as the accumulator {@code sigbatch backends} on first use.
     */
    public static BackendReport report(SparkSession spark) {
        SparkContext sc = spark.sparkContext();
        synchronized (REPORTS) {
            return REPORTS.computeIfAbsent(sc, c -> BackendReport.register(c, "sigbatch backends"));
        }
    }
}
