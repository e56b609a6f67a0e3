package org.sigbatch.spark;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.sigbatch.BackendKind;
import org.sigbatch.Op;
import org.sigbatch.VerifyPolicy;

/**
 * What to compute over which columns, and how. Immutable and serializable: it travels to the
 * executors inside the partition function.
 *
 * <ul>
 *   <li>{@code inputCol}: x (or y for {@link Op#BACKWARD_FROM_OUTPUT}); float, double, array&lt;float&gt; or array&lt;double&gt;.</li>
 *   <li>{@code outputCol}: σ, σ' or the input gradient; σ for {@link Op#FUSED}.</li>
 *   <li>{@code derivativeCol}: σ' for {@link Op#FUSED} (default {@code <outputCol>_derivative}).</li>
 *   <li>{@code gradCol}: gradOut, for the two backward ops; same type as the input.</li>
 * </ul>
 */
public final class SigbatchOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default elements per chunk: large enough for a GPU to pay off, small enough to buffer 2 tasks' rows. */
    public static final int DEFAULT_BATCH_ELEMENTS = 1 << 20;

    private final Op op;
    private final String inputCol;
    private final String outputCol;
    private final String derivativeCol;
    private final String gradCol;
    private final BackendKind backend;
    private final String precision;
    private final int batchElements;
    private final boolean overwrite;
    private final boolean cpuFallback;
    private final VerifyPolicy verify;
    private final boolean columnar;
    private final TreeMap<String, String> backendOptions;

    private SigbatchOptions(Builder b) {
        this.op = Objects.requireNonNull(b.op, "op");
        this.inputCol = requireName(b.inputCol, "inputCol");
        this.outputCol = requireName(b.outputCol, "outputCol");
        this.backend = b.backend;
        this.precision = b.precision;
        this.batchElements = b.batchElements;
        this.overwrite = b.overwrite;
        this.cpuFallback = b.cpuFallback;
        this.verify = b.verify;
        this.columnar = b.columnar;
        this.backendOptions = new TreeMap<>(b.backendOptions);
        if (op == Op.FUSED) {
            this.derivativeCol = b.derivativeCol != null ? requireName(b.derivativeCol, "derivativeCol") : outputCol + "_derivative";
            if (derivativeCol.equals(outputCol)) {
                throw new IllegalArgumentException("fused: outputCol and derivativeCol are both '" + outputCol + "'; they need different names");
            }
        } else if (b.derivativeCol != null) {
            throw new IllegalArgumentException("derivativeCol '" + b.derivativeCol + "' is only used by op fused, not " + op.label());
        } else {
            this.derivativeCol = null;
        }
        boolean needsGrad = op == Op.BACKWARD || op == Op.BACKWARD_FROM_OUTPUT;
        if (needsGrad && b.gradCol == null) {
            throw new IllegalArgumentException(op.label() + " needs gradCol: the column holding gradOut");
        }
        if (!needsGrad && b.gradCol != null) {
            throw new IllegalArgumentException("gradCol '" + b.gradCol + "' is only used by backward and backward-from-output, not " + op.label());
        }
        this.gradCol = needsGrad ? requireName(b.gradCol, "gradCol") : null;
    }

    private static String requireName(String name, String what) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must be a column name, got " + (name == null ? "null" : "'" + name + "'"));
        }
        return name;
    }

    public static Builder builder(Op op, String inputCol, String outputCol) {
        return new Builder(op, inputCol, outputCol);
    }

    public Op op() { return op; }
    public String inputCol() { return inputCol; }
    public String outputCol() { return outputCol; }
    /** σ' column of {@link Op#FUSED}; null for other ops. */
    public String derivativeCol() { return derivativeCol; }
    /** gradOut column of the backward ops; null for other ops. */
    public String gradCol() { return gradCol; }
    public BackendKind backend() { return backend; }
    /** {@code accurate} or {@code fast}: the backend option {@code precision}. */
    public String precision() { return precision; }
    public int batchElements() { return batchElements; }
    public boolean overwrite() { return overwrite; }
    /** True: a GPU that cannot open gives a CPU partition, recorded in the report. False: the task fails. */
    public boolean cpuFallback() { return cpuFallback; }
    public VerifyPolicy verify() { return verify; }
    /** True (default): read a columnar scan's batches directly when the input is one; false: always rows. */
    public boolean columnar() { return columnar; }
    /** Extra backend options passed to every evaluator, e.g. {@code cpu.threads=1}. */
    public Map<String, String> backendOptions() { return java.util.Collections.unmodifiableMap(backendOptions); }

    @Override
    public String toString() {
        return op.label() + "(" + inputCol + (gradCol != null ? ", " + gradCol : "") + ") -> " + outputCol
                + (derivativeCol != null ? ", " + derivativeCol : "") + " [backend " + backend.id() + ", precision " + precision
                + ", batch " + batchElements + " elements]";
    }

    /** Options for {@link SigbatchSpark#apply(org.apache.spark.sql.Dataset, SigbatchOptions)}. */
    public static final class Builder {
        private final Op op;
        private final String inputCol;
        private final String outputCol;
        private String derivativeCol;
        private String gradCol;
        private BackendKind backend = BackendKind.AUTO;
        private String precision = "accurate";
        private int batchElements = DEFAULT_BATCH_ELEMENTS;
        private boolean overwrite;
        private boolean cpuFallback = true;
        private VerifyPolicy verify = VerifyPolicy.NONE;
        private boolean columnar = true;
        private final TreeMap<String, String> backendOptions = new TreeMap<>();

        private Builder(Op op, String inputCol, String outputCol) {
            this.op = op;
            this.inputCol = inputCol;
            this.outputCol = outputCol;
        }

        public Builder derivativeCol(String name) { this.derivativeCol = name; return this; }
        public Builder gradCol(String name) { this.gradCol = name; return this; }

        /**
         * AUTO (default): the task's GPU when Spark assigned one (CUDA), the CPU otherwise.
         * CUDA: the task's GPU, else {@code cuda.device} (default 0). CPU, OPENCL: that backend.
         */
        public Builder backend(BackendKind kind) { this.backend = Objects.requireNonNull(kind, "backend"); return this; }

        public Builder precision(String p) { this.precision = parsePrecision(p); return this; }

        /** Elements per chunk handed to the evaluator (a row's array is never split; a longer row gets a chunk of its own). */
        public Builder batchElements(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batchElements must be at least 1, got " + n);
            }
            this.batchElements = n;
            return this;
        }

        /** Allows output columns that already exist; they are replaced in place. */
        public Builder overwrite(boolean b) { this.overwrite = b; return this; }
        public Builder cpuFallback(boolean b) { this.cpuFallback = b; return this; }
        public Builder verify(VerifyPolicy v) { this.verify = Objects.requireNonNull(v, "verify"); return this; }

        /**
         * Whether a float or double column read straight from a columnar scan (Parquet, ORC) is taken
         * from the scan's column batches (default) rather than from rows. Batches are the scan's size.
         */
        public Builder columnar(boolean b) { this.columnar = b; return this; }

        /** A backend option for the executors' evaluators, e.g. {@code ("cpu.threads", "1")}. */
        public Builder backendOption(String key, String value) {
            backendOptions.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public SigbatchOptions build() {
            return new SigbatchOptions(this);
        }
    }

    static String parsePrecision(String p) {
        String v = p == null ? "" : p.trim().toLowerCase(Locale.ROOT);
        if (!v.equals("accurate") && !v.equals("fast")) {
            throw new IllegalArgumentException("unknown precision '" + p + "' (expected accurate or fast)");
        }
        return v;
    }
}
