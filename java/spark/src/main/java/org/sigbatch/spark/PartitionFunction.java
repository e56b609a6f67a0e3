package org.sigbatch.spark;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.types.DataType;

/**
 * The per-partition work, on Spark's internal rows: pulls rows into a primitive chunk until it holds
 * the batch size, evaluates the chunk with one call on the executor's shared evaluator, then emits
 * each input row joined with its results (the input columns first, then the outputs; the caller
 * reorders them). Rows are copied and buffered only for the current chunk. A static class: Spark
 * serializes it to the executors. {@link ColumnarFunction} is the same over column batches.
 */
final class PartitionFunction implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    private static final long serialVersionUID = 1L;

    private final SigbatchOptions options;
    private final ColumnPlan plan;
    private final BackendReport report;

    PartitionFunction(SigbatchOptions options, ColumnPlan plan, BackendReport report) {
        this.options = options;
        this.plan = plan;
        this.report = report;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> input) {
        return new Rows(input, new PartitionLedger(options, report));
    }

    /**
     * The output iterator. For each buffered row: its bytes in the arena, and the offset and length
     * of its values in the chunk (offset -1: a null result).
     */
    private final class Rows implements Iterator<InternalRow> {
        private final Iterator<InternalRow> in;
        private final PartitionLedger ledger;
        private final RowArena arena;
        /** The results of the row being emitted, and the row it is joined to: reused, as Spark's own operators do. */
        private final SpecificInternalRow results;
        private final JoinedRow joined = new JoinedRow();
        private Chunk<?> chunk;
        private int[] rowAt = new int[256];
        private int[] rowSize = new int[256];
        private int[] offset = new int[256];
        private int[] length = new int[256];
        private int count;
        private int emitted;
        /** A row read but left for the next chunk (a copy: the upstream iterator reuses its row). */
        private InternalRow pending;
        /** Rows taken from the input so far (1-based in messages). */
        private long rowNumber;

        Rows(Iterator<InternalRow> in, PartitionLedger ledger) {
            this.in = in;
            this.ledger = ledger;
            this.arena = new RowArena(plan.inputSchema);
            DataType[] types = new DataType[plan.outputIndex.length];
            java.util.Arrays.fill(types, plan.outputType);
            this.results = new SpecificInternalRow(scala.jdk.javaapi.CollectionConverters.asScala(java.util.Arrays.asList(types)).toList());
        }

        @Override
        public boolean hasNext() {
            if (emitted < count) {
                return true;
            }
            fill();
            if (count == 0) {
                ledger.reportOnce();
                return false;
            }
            return true;
        }

        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int i = emitted++;
            return output(arena.row(rowAt[i], rowSize[i]), offset[i], length[i]);
        }

        private void fill() {
            count = 0;
            emitted = 0;
            long t0 = System.nanoTime();
            long first = rowNumber;
            if (chunk == null) {
                chunk = Chunk.of(plan.kind, options.op(), plan.elementNulls, options.batchElements());
            }
            chunk.clear();
            arena.clear();
            while (pending != null || in.hasNext()) {
                InternalRow r;
                if (pending != null) {
                    r = pending;
                    pending = null;
                } else {
                    r = in.next();
                    rowNumber++;
                }
                int n = elementsOf(r);
                if (n > 0 && chunk.size > 0 && (long) chunk.size + n > options.batchElements()) {
                    pending = r.copy();
                    break;
                }
                add(r, n);
            }
            ledger.rowsRead(rowNumber - first, System.nanoTime() - t0);
            if (chunk.size > 0) {
                ledger.evaluate(chunk);
            }
        }

        /** Elements a row contributes; -1 when its result is null. Checks that x and gradOut match. */
        private int elementsOf(InternalRow r) {
            if (r.isNullAt(plan.inputIndex) || (plan.gradIndex >= 0 && r.isNullAt(plan.gradIndex))) {
                return -1;
            }
            if (!plan.kind.array) {
                return 1;
            }
            int n = r.getArray(plan.inputIndex).numElements();
            if (plan.gradIndex >= 0) {
                int m = r.getArray(plan.gradIndex).numElements();
                if (m != n) {
                    throw new IllegalArgumentException("sigbatch: in partition " + ledger.partition + ", row " + rowNumber + ": input column '"
                            + options.inputCol() + "' has " + n + " elements but gradient column '" + options.gradCol() + "' has " + m);
                }
            }
            return n;
        }

        private void add(InternalRow r, int n) {
            if (count == rowAt.length) {
                int c = count * 2;
                rowAt = java.util.Arrays.copyOf(rowAt, c);
                rowSize = java.util.Arrays.copyOf(rowSize, c);
                offset = java.util.Arrays.copyOf(offset, c);
                length = java.util.Arrays.copyOf(length, c);
            }
            rowAt[count] = arena.add(r);
            rowSize[count] = arena.lastSize();
            length[count] = n;
            offset[count] = n < 0 ? -1 : chunk.size;
            count++;
            if (n < 0) {
                return;
            }
            if (plan.kind.array) {
                chunk.putArray(r.getArray(plan.inputIndex), plan.gradIndex >= 0 ? r.getArray(plan.gradIndex) : null, n);
            } else {
                chunk.putScalar(r, plan.inputIndex, plan.gradIndex);
            }
        }

        private InternalRow output(InternalRow r, int off, int len) {
            for (int k = 0; k < plan.outputIndex.length; k++) {
                if (off < 0) {
                    results.setNullAt(k);
                } else if (plan.kind.array) {
                    results.update(k, chunk.array(k, off, len));
                } else {
                    chunk.setScalar(k, off, results, k);
                }
            }
            return joined.apply(r, results);
        }
    }
}
