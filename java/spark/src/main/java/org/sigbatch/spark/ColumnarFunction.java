package org.sigbatch.spark;

import java.util.BitSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * The per-partition work over the column batches of a columnar scan (a Parquet or ORC file read as
 * is): each batch's float or double column is copied into a chunk and evaluated with one call, and
 * the batch is passed on with the result columns appended. No input row is built or copied; the
 * only row conversion left is the one any query ends with. The batch size is the scan's
 * ({@code spark.sql.parquet.columnarReaderBatchSize}, 4096 rows by default).
 */
final class ColumnarFunction implements FlatMapFunction<Iterator<ColumnarBatch>, InternalRow> {
    private static final long serialVersionUID = 1L;

    private final SigbatchOptions options;
    private final ColumnPlan plan;
    private final BackendReport report;

    ColumnarFunction(SigbatchOptions options, ColumnPlan plan, BackendReport report) {
        this.options = options;
        this.plan = plan;
        this.report = report;
    }

    /**
     * The column batches of {@code df}'s plan when it is a columnar scan turned into rows and
     * nothing else, with {@code df}'s columns; null otherwise (then the row path runs).
     */
    static RDD<ColumnarBatch> source(org.apache.spark.sql.classic.Dataset<Row> df, ColumnPlan plan) {
        if (plan.kind.array) {
            return null;    // arrays: the row path already amortises a row over its elements
        }
        SparkPlan p = df.queryExecution().executedPlan();
        if (p instanceof WholeStageCodegenExec w) {
            p = w.child();
        }
        if (!(p instanceof ColumnarToRowExec c) || !c.child().supportsColumnar() || !sameColumns(c.child().schema(), df.schema())) {
            return null;
        }
        return c.child().executeColumnar();
    }

    private static boolean sameColumns(StructType a, StructType b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            StructField x = a.fields()[i];
            StructField y = b.fields()[i];
            if (!x.name().equals(y.name()) || !x.dataType().equals(y.dataType())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<ColumnarBatch> input) {
        return new Batches(input, new PartitionLedger(options, report));
    }

    private final class Batches implements Iterator<InternalRow> {
        private final Iterator<ColumnarBatch> in;
        private final PartitionLedger ledger;
        private final Chunk<?> chunk;
        private final BitSet rowNulls = new BitSet();
        private final OnHeapColumnVector[] outs = new OnHeapColumnVector[plan.outputIndex.length];
        private int outCapacity;
        private Iterator<InternalRow> rows = Collections.emptyIterator();

        Batches(Iterator<ColumnarBatch> in, PartitionLedger ledger) {
            this.in = in;
            this.ledger = ledger;
            this.chunk = Chunk.of(plan.kind, options.op(), false, options.batchElements());
        }

        @Override
        public boolean hasNext() {
            // A batch's vectors are reused by the scan: take the next one only when this one's rows are out.
            while (!rows.hasNext()) {
                if (!in.hasNext()) {
                    ledger.reportOnce();
                    return false;
                }
                rows = process(in.next());
            }
            return true;
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return rows.next();
        }

        private Iterator<InternalRow> process(ColumnarBatch b) {
            long t0 = System.nanoTime();
            int n = b.numRows();
            chunk.clear();
            rowNulls.clear();
            chunk.putColumns(b.column(plan.inputIndex), plan.gradIndex >= 0 ? b.column(plan.gradIndex) : null, n, rowNulls);
            ledger.rowsRead(n, System.nanoTime() - t0);
            if (n == 0) {
                return Collections.emptyIterator();
            }
            ledger.evaluate(chunk);
            ColumnVector[] cols = new ColumnVector[plan.inputWidth + outs.length];
            for (int i = 0; i < plan.inputWidth; i++) {
                cols[i] = b.column(i);
            }
            if (outCapacity < n) {
                outCapacity = Math.max(n, 4096);
                for (int k = 0; k < outs.length; k++) {
                    outs[k] = new OnHeapColumnVector(outCapacity, plan.outputType);
                }
            }
            for (int k = 0; k < outs.length; k++) {
                chunk.toColumn(k, outs[k], rowNulls);
                cols[plan.inputWidth + k] = outs[k];
            }
            return new ColumnarBatch(cols, n).rowIterator();
        }
    }
}
