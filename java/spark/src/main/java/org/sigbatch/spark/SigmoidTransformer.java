package org.sigbatch.spark;

import java.util.Arrays;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.sigbatch.BackendKind;
import org.sigbatch.Op;

/**
 * A Spark ML {@link Transformer} over {@link SigbatchSpark}: usable in a {@code Pipeline}, savable
 * with {@code write().save(path)} and loadable with {@link #load(String)}.
 *
 * <pre>{@code
 * SigmoidTransformer t = new SigmoidTransformer().setOp("sigmoid").setInputCol("logit").setOutputCol("p")
 *         .setPrecision("accurate").setBackend("auto").setBatchSize(1 << 20);
 * Dataset<Row> out = t.transform(df);
 * }</pre>
 */
public final class SigmoidTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;

    private final Param<String> op;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> derivativeCol;
    private final Param<String> gradCol;
    private final Param<String> precision;
    private final Param<String> backend;
    private final IntParam batchSize;
    private final BooleanParam overwrite;
    private final BooleanParam cpuFallback;

    public SigmoidTransformer() {
        this(Identifiable.randomUID("sigbatch"));
    }

    /** Used by the ML reader, which passes the saved uid. */
    public SigmoidTransformer(String uid) {
        this.uid = uid;
        this.op = new Param<>(this, "op", "sigmoid, derivative, fused, backward or backward-from-output",
                ParamValidators.inArray(Arrays.asList("sigmoid", "derivative", "fused", "backward", "backward-from-output")));
        this.inputCol = new Param<>(this, "inputCol", "input column: x, or y for backward-from-output (float, double, array<float>, array<double>)");
        this.outputCol = new Param<>(this, "outputCol", "output column: σ, σ' or gradIn (σ for fused)");
        this.derivativeCol = new Param<>(this, "derivativeCol", "σ' column for fused (default <outputCol>_derivative)");
        this.gradCol = new Param<>(this, "gradCol", "gradOut column for backward and backward-from-output");
        this.precision = new Param<>(this, "precision", "accurate or fast", ParamValidators.inArray(Arrays.asList("accurate", "fast")));
        this.backend = new Param<>(this, "backend", "auto (the task's GPU, else the CPU), cpu, cuda or opencl",
                ParamValidators.inArray(Arrays.asList("auto", "cpu", "cuda", "opencl")));
        this.batchSize = new IntParam(this, "batchSize", "elements per evaluator call", ParamValidators.gtEq(1));
        this.overwrite = new BooleanParam(this, "overwrite", "replace output columns that already exist");
        this.cpuFallback = new BooleanParam(this, "cpuFallback", "compute on the CPU when the GPU cannot open (else the task fails)");
        setDefault(op, "sigmoid");
        setDefault(precision, "accurate");
        setDefault(backend, "auto");
        setDefault(batchSize, SigbatchOptions.DEFAULT_BATCH_ELEMENTS);
        setDefault(overwrite, false);
        setDefault(cpuFallback, true);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> op() { return op; }
    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> derivativeCol() { return derivativeCol; }
    public Param<String> gradCol() { return gradCol; }
    public Param<String> precision() { return precision; }
    public Param<String> backend() { return backend; }
    public IntParam batchSize() { return batchSize; }
    public BooleanParam overwrite() { return overwrite; }
    public BooleanParam cpuFallback() { return cpuFallback; }

    public SigmoidTransformer setOp(String v) { set(op, Op.parse(v).label()); return this; }
    public SigmoidTransformer setInputCol(String v) { set(inputCol, v); return this; }
    public SigmoidTransformer setOutputCol(String v) { set(outputCol, v); return this; }
    public SigmoidTransformer setDerivativeCol(String v) { set(derivativeCol, v); return this; }
    public SigmoidTransformer setGradCol(String v) { set(gradCol, v); return this; }
    public SigmoidTransformer setPrecision(String v) { set(precision, SigbatchOptions.parsePrecision(v)); return this; }
    public SigmoidTransformer setBackend(String v) { set(backend, BackendKind.parse(v).id()); return this; }
    public SigmoidTransformer setBatchSize(int v) { set(batchSize, v); return this; }
    public SigmoidTransformer setOverwrite(boolean v) { set(overwrite, v); return this; }
    public SigmoidTransformer setCpuFallback(boolean v) { set(cpuFallback, v); return this; }

    /** The options these params stand for; fails naming a missing or inconsistent param. */
    public SigbatchOptions options() {
        if (!isDefined(inputCol) || !isDefined(outputCol)) {
            throw new IllegalArgumentException("SigmoidTransformer " + uid + ": set inputCol and outputCol");
        }
        SigbatchOptions.Builder b = SigbatchOptions.builder(Op.parse(getOrDefault(op)), getOrDefault(inputCol), getOrDefault(outputCol))
                .precision(getOrDefault(precision))
                .backend(BackendKind.parse(getOrDefault(backend)))
                .batchElements((Integer) getOrDefault(batchSize))
                .overwrite((Boolean) getOrDefault(overwrite))
                .cpuFallback((Boolean) getOrDefault(cpuFallback));
        if (isDefined(derivativeCol)) {
            b.derivativeCol(getOrDefault(derivativeCol));
        }
        if (isDefined(gradCol)) {
            b.gradCol(getOrDefault(gradCol));
        }
        return b.build();
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        return SigbatchSpark.apply(dataset.toDF(), options());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return SigbatchSpark.outputSchema(schema, options());
    }

    @Override
    public SigmoidTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<SigmoidTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static SigmoidTransformer load(String path) {
        return read().load(path);
    }
}
