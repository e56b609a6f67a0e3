package org.sigbatch.spark;

import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.util.TaskCompletionListener;
import org.sigbatch.Provenance;

/**
 * The per-partition work, on Spark's internal rows: pulls rows into a primitive chunk until it holds
 * the batch size, evaluates the chunk with one call on the executor's shared evaluator, then emits
 * each input row joined with its results (the input columns first, then the outputs; the caller
 * reorders them). Rows are copied and buffered only for the current chunk. A static class: Spark
 * serializes it to the executors.
 */
final class PartitionFunction implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    private static final long serialVersionUID = 1L;
    /** Spark's resource name for GPUs (spark.executor.resource.gpu.amount). */
    static final String GPU = "gpu";

    private final SigbatchOptions options;
    private final ColumnPlan plan;
    private final BackendReport report;

    PartitionFunction(SigbatchOptions options, ColumnPlan plan, BackendReport report) {
        this.options = options;
        this.plan = plan;
        this.report = report;
    }

    /** The GPU addresses in a task's resources, or null when Spark assigned none. */
    static String[] gpuAddresses(Map<String, ResourceInformation> resources) {
        if (resources == null) {
            return null;
        }
        ResourceInformation gpu = resources.get(GPU);
        return gpu == null ? null : gpu.addresses();
    }

    /**
     * The executor's evaluator for a task with these GPU addresses (null: none assigned). An address
     * that is not a device index, or a GPU that cannot open, gives the CPU evaluator with the reason,
     * unless {@code cpuFallback} is off.
     */
    static ExecutorEvaluators.Handle evaluatorFor(SigbatchOptions options, String[] gpus, int cpus) {
        DevicePlan device;
        try {
            device = DevicePlan.resolve(options.backend(), gpus, options.backendOptions());
        } catch (IllegalArgumentException e) {
            if (!options.cpuFallback()) {
                throw e;
            }
            return new ExecutorEvaluators.Handle(ExecutorEvaluators.acquire(DevicePlan.cpu(), options, cpus).sigmoid(), "cpu",
                    e.getMessage(), "gpu");
        }
        return ExecutorEvaluators.acquire(device, options, cpus);
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> input) {
        TaskContext tc = TaskContext.get();
        String[] gpus = tc == null ? null : gpuAddresses(tc.resourcesJMap());
        int cpus = tc == null ? 1 : tc.cpus();
        int partition = tc == null ? -1 : tc.partitionId();
        Rows rows = new Rows(input, partition, () -> evaluatorFor(options, gpus, cpus));
        if (tc != null) {
            // Report also when the consumer stops early (limit, take): the listener runs before the task's accumulators are sent.
            tc.addTaskCompletionListener((TaskCompletionListener) ctx -> rows.reportOnce());
        }
        return rows;
    }

    /**
     * The output iterator. For each buffered row: its bytes in the arena, and the offset and length
     * of its values in the chunk (offset -1: a null result).
     */
    private final class Rows implements Iterator<InternalRow> {
        private final Iterator<InternalRow> in;
        private final int partition;
        private final java.util.function.Supplier<ExecutorEvaluators.Handle> opener;
        private final RowArena arena;
        /** The results of the row being emitted, and the row it is joined to: reused, as Spark's own operators do. */
        private final SpecificInternalRow results;
        private final JoinedRow joined = new JoinedRow();
        private ExecutorEvaluators.Handle handle;
        private Chunk chunk;
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
        private long rowsRead;
        private long evalNanos;
        private long readNanos;
        private long chunks;
        private long elements;
        private String device;
        private String label;
        private boolean reported;

        Rows(Iterator<InternalRow> in, int partition, java.util.function.Supplier<ExecutorEvaluators.Handle> opener) {
            this.in = in;
            this.partition = partition;
            this.opener = opener;
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
                reportOnce();
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
                    rowsRead++;
                }
                int n = elementsOf(r);
                if (n > 0 && chunk.size > 0 && (long) chunk.size + n > options.batchElements()) {
                    pending = r.copy();
                    break;
                }
                add(r, n);
            }
            readNanos += System.nanoTime() - t0;
            if (chunk.size > 0) {
                evaluate();
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
                    throw new IllegalArgumentException("sigbatch: in partition " + partition + ", row " + rowNumber + ": input column '"
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

        private void evaluate() {
            if (handle == null) {
                handle = opener.get();
            }
            Provenance p = chunk.evaluate(handle.sigmoid());
            evalNanos += p.nanos();
            chunks++;
            elements += chunk.size;
            device = p.device();
            String l = labelOf(p);
            if (label != null && !label.equals(l)) {
                // The backend changed mid-partition (a GPU failed during a call): report what came before separately.
                flush();
            }
            label = l;
        }

        private String labelOf(Provenance p) {
            if (p.fellBack()) {
                return "cpu (fallback: " + handle.label() + " failed mid-call after " + p.primaryElements() + " elements: " + p.fallbackReason() + ")";
            }
            if (handle.fallback() != null) {
                return "cpu (fallback: " + handle.fallback() + ")";
            }
            return p.backend().equals("cpu") ? "cpu" : handle.label();
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

        private void reportOnce() {
            if (!reported) {
                reported = true;
                flush();
            }
        }

        private void flush() {
            if (label != null && report != null) {
                report.add(new BackendReport.Part(label, device, rowsRead, elements, chunks, evalNanos, readNanos));
            }
            rowsRead = 0;
            elements = 0;
            chunks = 0;
            evalNanos = 0;
            readNanos = 0;
        }
    }
}
