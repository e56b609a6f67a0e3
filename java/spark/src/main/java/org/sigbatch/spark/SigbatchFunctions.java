package org.sigbatch.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import org.sigbatch.Op;
import org.sigbatch.Sigmoid;

/**
 * SQL functions for ad-hoc queries:
 * {@code sigbatch_sigmoid(x)}, {@code sigbatch_derivative(x)}, {@code sigbatch_backward(x, gradOut)} and
 * {@code sigbatch_backward_from_output(y, gradOut)}: double results from any numeric argument (float, int, decimal are widened).
 *
 * <p>These are row-at-a-time: one evaluator call per row, on the executor's CPU evaluator, with the
 * per-call overhead that implies (about a microsecond). They give sigbatch's accurate results in a
 * query, not its speed: for large columns use {@link SigbatchSpark#apply} or {@link SigmoidTransformer}.
 */
public final class SigbatchFunctions {
    private SigbatchFunctions() {
    }

    /** Registers the four functions in {@code spark}'s function registry. */
    public static void register(SparkSession spark) {
        // Java UDFs declare no input types, so Spark passes the column's own boxed type: take any Number.
        spark.udf().register("sigbatch_sigmoid", (UDF1<Number, Double>) x -> unary(Op.SIGMOID, x), DataTypes.DoubleType);
        spark.udf().register("sigbatch_derivative", (UDF1<Number, Double>) x -> unary(Op.DERIVATIVE, x), DataTypes.DoubleType);
        spark.udf().register("sigbatch_backward", (UDF2<Number, Number, Double>) (x, g) -> binary(Op.BACKWARD, x, g), DataTypes.DoubleType);
        spark.udf().register("sigbatch_backward_from_output",
                (UDF2<Number, Number, Double>) (y, g) -> binary(Op.BACKWARD_FROM_OUTPUT, y, g), DataTypes.DoubleType);
    }

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[][] {new double[1], new double[1], new double[1]});

    private record Cached(Sigmoid sigmoid, int generation) {
    }

    private static volatile Cached cached;

    /** The executor's CPU evaluator, cached: a per-row lookup would cost more than the call. */
    private static Sigmoid cpu() {
        Cached c = cached;
        int gen = ExecutorEvaluators.generation();
        if (c == null || c.generation() != gen) {
            c = new Cached(ExecutorEvaluators.acquire(DevicePlan.cpu(), UDF_OPTIONS, 1).sigmoid(), gen);
            cached = c;
        }
        return c.sigmoid();
    }

    private static final SigbatchOptions UDF_OPTIONS = SigbatchOptions.builder(Op.SIGMOID, "x", "y").build();

    static Double unary(Op op, Number x) {
        if (x == null) {
            return null;
        }
        double[][] s = SCRATCH.get();
        s[0][0] = x.doubleValue();
        if (op == Op.SIGMOID) {
            cpu().sigmoid(s[0], s[1]);
        } else {
            cpu().derivative(s[0], s[1]);
        }
        return s[1][0];
    }

    static Double binary(Op op, Number a, Number g) {
        if (a == null || g == null) {
            return null;
        }
        double[][] s = SCRATCH.get();
        s[0][0] = a.doubleValue();
        s[1][0] = g.doubleValue();
        if (op == Op.BACKWARD) {
            cpu().backward(s[0], s[1], s[2]);
        } else {
            cpu().backwardFromOutput(s[0], s[1], s[2]);
        }
        return s[2][0];
    }
}
