package org.sigbatch.spark;

import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.TaskCompletionListener;
import org.sigbatch.Provenance;

/**
 * One task's side of the work that does not depend on how rows arrive: opening the executor's
 * evaluator for the task's device on first need, evaluating chunks, and recording per backend what
 * the partition computed in the {@link BackendReport}, once, also when the consumer stops early.
 */
final class PartitionLedger {
    /** Spark's resource name for GPUs (spark.executor.resource.gpu.amount). */
    static final String GPU = "gpu";

    private final SigbatchOptions options;
    private final BackendReport report;
    private final String[] gpus;
    private final int cpus;
    final int partition;
    private ExecutorEvaluators.Handle handle;
    private long rows;
    private long elements;
    private long chunks;
    private long evalNanos;
    private long readNanos;
    private String device;
    private String label;
    private boolean reported;

    /** A ledger for the running task (or a plain one outside Spark, for tests). */
    PartitionLedger(SigbatchOptions options, BackendReport report) {
        this.options = options;
        this.report = report;
        TaskContext tc = TaskContext.get();
        this.gpus = tc == null ? null : gpuAddresses(tc.resourcesJMap());
        this.cpus = tc == null ? 1 : tc.cpus();
        this.partition = tc == null ? -1 : tc.partitionId();
        if (tc != null) {
            // The listener runs before the task's accumulator updates are sent.
            tc.addTaskCompletionListener((TaskCompletionListener) ctx -> reportOnce());
        }
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

    void rowsRead(long n, long nanos) {
        rows += n;
        readNanos += nanos;
    }

    /** Evaluates a filled chunk on the task's evaluator (opened on first use) and records it. */
    void evaluate(Chunk<?> chunk) {
        if (handle == null) {
            handle = evaluatorFor(options, gpus, cpus);
        }
        Provenance p = chunk.evaluate(handle.sigmoid());
        String l = labelOf(p);
        if (label != null && !label.equals(l)) {
            // The backend changed mid-partition (a GPU failed during a call): report what came before separately.
            flush();
        }
        label = l;
        evalNanos += p.nanos();
        chunks++;
        elements += chunk.size;
        device = p.device();
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

    void reportOnce() {
        if (!reported) {
            reported = true;
            flush();
        }
    }

    private void flush() {
        if (label != null && report != null) {
            report.add(new BackendReport.Part(label, device, rows, elements, chunks, evalNanos, readNanos));
        }
        rows = 0;
        elements = 0;
        chunks = 0;
        evalNanos = 0;
        readNanos = 0;
    }
}
