package org.sigbatch.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.sigbatch.Op;

/**
 * σ over a Parquet column in one local[2] session: sigbatch against Spark's built-in expression
 * {@code 1/(1+exp(-x))}, a row UDF, and two floors (the scan alone; a Row-level mapPartitions that
 * computes nothing). Every case reads the same file and writes to Spark's {@code noop} sink, so
 * each runs the whole plan without output I/O. Rounds are interleaved; the first is warm-up.
 *
 * <p>Run with {@code make spark-bench} (arguments: {@code SPARK_BENCH_ARGS="--rows 50000000 --rounds 5"}).
 */
public final class SparkBench {
    private SparkBench() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = parse(args);
        long rows = Long.parseLong(a.getOrDefault("rows", "50000000"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "3"));
        int width = Integer.parseInt(a.getOrDefault("width", "256"));
        Path data = Path.of(a.getOrDefault("data", "target/spark-bench-data"));
        Path out = Path.of(a.getOrDefault("out", "results/spark"));
        String only = a.getOrDefault("cases", "");
        String match = a.getOrDefault("match", "");

        SparkSession spark = SparkSession.builder().master("local[2]").appName("sigbatch-spark-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
                .config("spark.local.dir", data.resolve("spark-local").toString()).getOrCreate();
        spark.udf().register("naive_sigmoid", (UDF1<Float, Float>) x -> x == null ? null : (float) (1 / (1 + Math.exp(-x))), DataTypes.FloatType);
        spark.udf().register("naive_sigmoid_array", (UDF1<scala.collection.Seq<Float>, float[]>) SparkBench::naiveArray,
                DataTypes.createArrayType(DataTypes.FloatType));
        SigbatchFunctions.register(spark);

        String scalarPath = data.resolve("scalar-" + rows).toString();
        String arrayPath = data.resolve("array-" + rows + "x" + width).toString();
        if (!Files.exists(Path.of(scalarPath, "_SUCCESS"))) {
            spark.range(rows).select(expr("CAST(rand(7) * 24 - 12 AS FLOAT) AS x")).write().mode("overwrite").parquet(scalarPath);
        }
        if (!Files.exists(Path.of(arrayPath, "_SUCCESS"))) {
            spark.range(rows / width).select(expr("transform(sequence(0, " + (width - 1) + "), i -> CAST(sin(id * " + width
                    + " + i) * 12 AS FLOAT)) AS a")).write().mode("overwrite").parquet(arrayPath);
        }

        Map<String, Function<Dataset<Row>, Dataset<Row>>> scalar = new LinkedHashMap<>();
        scalar.put("scan only", df -> df);
        scalar.put("Spark built-in 1/(1+exp(-x))", df -> df.withColumn("y", lit(1).divide(lit(1).plus(exp(col("x").unary_$minus()))).cast("float")));
        scalar.put("row UDF (Java, Math.exp)", df -> df.withColumn("y", expr("naive_sigmoid(x)")));
        scalar.put("sigbatch SQL function (row-at-a-time)", df -> df.withColumn("y", expr("sigbatch_sigmoid(x)")));
        scalar.put("Row mapPartitions, no compute", SparkBench::rowIdentity);
        scalar.put("sigbatch apply, row path (columnar off, 1M-element chunks)",
                df -> SigbatchSpark.apply(df, SigbatchOptions.builder(Op.SIGMOID, "x", "y").columnar(false).build()));
        scalar.put("sigbatch apply (columnar: the scan's 4096-row batches)", df -> SigbatchSpark.apply(df, Op.SIGMOID, "x", "y"));

        Map<String, Function<Dataset<Row>, Dataset<Row>>> array = new LinkedHashMap<>();
        array.put("scan only", df -> df);
        array.put("Spark built-in transform(a, v -> 1/(1+exp(-v)))", df -> df.withColumn("y", expr("transform(a, v -> CAST(1 / (1 + exp(-v)) AS FLOAT))")));
        array.put("row UDF over the array (Java, Math.exp)", df -> df.withColumn("y", expr("naive_sigmoid_array(a)")));
        array.put("sigbatch apply (1M-element chunks)", df -> SigbatchSpark.apply(df, Op.SIGMOID, "a", "y"));

        List<Result> results = new ArrayList<>();
        // --profile FILE: a JFR recording of the measured rounds only (scripts/jfr-breakdown.py reads it).
        jdk.jfr.Recording recording = null;
        for (int r = 0; r <= rounds; r++) {
            if (r == 1 && a.containsKey("profile")) {
                try {
                    recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
                } catch (java.text.ParseException e) {
                    throw new IOException(e);
                }
                recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(2));
                recording.start();
            }
            for (var e : scalar.entrySet()) {
                if ((only.isEmpty() || only.contains("scalar")) && e.getKey().contains(match)) {
                    results.add(time(spark, "float column", e.getKey(), r, rows, rows, e.getValue().apply(spark.read().parquet(scalarPath))));
                }
            }
            for (var e : array.entrySet()) {
                if ((only.isEmpty() || only.contains("array")) && e.getKey().contains(match)) {
                    long n = rows / width;
                    results.add(time(spark, "array<float> column, " + width + " per row", e.getKey(), r, n, n * width,
                            e.getValue().apply(spark.read().parquet(arrayPath))));
                }
            }
        }
        if (recording != null) {
            recording.stop();
            recording.dump(Path.of(a.get("profile")));
        }
        String table = table(results, rounds);
        System.out.println(table);
        Files.createDirectories(out);
        Files.writeString(out.resolve("bench.md"), "Command: make spark-bench SPARK_BENCH_ARGS=\"" + String.join(" ", args) + "\"\n"
                + "JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + "; Spark " + spark.version()
                + "; local[2]; " + Runtime.getRuntime().availableProcessors() + " CPUs\n\n" + table);
        StringBuilder raw = new StringBuilder("workload\tcase\tround\trows\telements\tseconds\tsigbatch_eval_s\tsigbatch_read_s\n");
        for (Result x : results) {
            raw.append(String.format(Locale.ROOT, "%s\t%s\t%d\t%d\t%d\t%.4f\t%.4f\t%.4f%n", x.workload, x.name, x.round, x.rows, x.elements, x.seconds, x.evalSeconds, x.readSeconds));
        }
        Files.writeString(out.resolve("bench.tsv"), raw);
        spark.stop();
    }

    private record Result(String workload, String name, int round, long rows, long elements, double seconds, double evalSeconds, double readSeconds) {
    }

    private static String rate(double perSecond) {
        return perSecond >= 1e6 ? String.format(Locale.ROOT, "%.2f M", perSecond / 1e6) : String.format(Locale.ROOT, "%.0f k", perSecond / 1e3);
    }

    private static Result time(SparkSession spark, String workload, String name, int round, long rows, long elements, Dataset<Row> df) {
        BackendReport report = SigbatchSpark.report(spark);
        report.reset();
        long t0 = System.nanoTime();
        df.write().format("noop").mode("overwrite").save();
        double s = (System.nanoTime() - t0) / 1e9;
        double eval = 0;
        double read = 0;
        for (BackendReport.Stats st : report.value().values()) {
            eval += st.evalNanos() / 1e9;
            read += st.readNanos() / 1e9;
        }
        System.out.printf(Locale.ROOT, "round %d  %-28s %-58s %7.2f s  %s rows/s%s%n", round, workload, name, s, rate(rows / s),
                eval > 0 ? String.format(Locale.ROOT, "  (sigbatch calls %.2f s, reading rows %.2f s, summed over tasks)", eval, read) : "");
        return new Result(workload, name, round, rows, elements, s, eval, read);
    }

    /** Rows in, the same rows plus y = x out, through the same Row encoders as sigbatch: the conversion cost alone. */
    private static Dataset<Row> rowIdentity(Dataset<Row> df) {
        var schema = df.schema().add("y", DataTypes.FloatType);
        return df.mapPartitions((MapPartitionsFunction<Row, Row>) it -> new Iterator<>() {
            @Override public boolean hasNext() { return it.hasNext(); }
            @Override public Row next() {
                Row r = it.next();
                return RowFactory.create(r.get(0), r.get(0));
            }
        }, Encoders.row(schema));
    }

    private static float[] naiveArray(scala.collection.Seq<Float> a) {
        if (a == null) {
            return null;
        }
        float[] y = new float[a.length()];
        var it = a.iterator();
        for (int i = 0; i < y.length; i++) {
            Float v = it.next();
            y[i] = v == null ? Float.NaN : (float) (1 / (1 + Math.exp(-v)));
        }
        return y;
    }

    private static String table(List<Result> results, int rounds) {
        StringBuilder sb = new StringBuilder();
        String workload = null;
        Map<String, List<Result>> byCase = new LinkedHashMap<>();
        for (Result r : results) {
            if (r.round > 0) {
                byCase.computeIfAbsent(r.workload + "\u0000" + r.name, k -> new ArrayList<>()).add(r);
            }
        }
        for (var e : byCase.entrySet()) {
            List<Result> rs = e.getValue();
            Result first = rs.get(0);
            if (!first.workload.equals(workload)) {
                workload = first.workload;
                sb.append("\n").append(workload).append(" (").append(first.rows).append(" rows, ").append(first.elements)
                        .append(" elements; median of ").append(rounds).append(" rounds after a warm-up round, [min–max])\n\n")
                        .append("| case | s | rows/s | elements/s | sigbatch calls, s (summed over 2 tasks) |\n|---|---|---|---|---|\n");
            }
            double[] s = rs.stream().mapToDouble(Result::seconds).sorted().toArray();
            double med = s[s.length / 2];
            double eval = rs.stream().mapToDouble(Result::evalSeconds).sorted().toArray()[s.length / 2];
            sb.append(String.format(Locale.ROOT, "| %s | %.2f [%.2f–%.2f] | %s | %s | %s |%n", first.name, med, s[0], s[s.length - 1],
                    rate(first.rows / med), rate(first.elements / med), eval > 0 ? String.format(Locale.ROOT, "%.2f", eval) : ""));
        }
        return sb.toString();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + Arrays.toString(args));
            }
            m.put(args[i].substring(2), args[i + 1]);
        }
        return m;
    }
}
