package org.sigbatch.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.util.AccumulatorV2;
import scala.Option;

/**
 * Which backend computed each partition, as a Spark accumulator: tasks add one {@link Part} per
 * backend they used, the driver reads {@link #summary()}, e.g.
 * {@code "3 partitions on cuda:0 (3000000 elements), 1 on cpu (fallback: cuda:1 unavailable: ...)"}.
 *
 * <p>Spark applies accumulator updates made inside transformations once per task attempt: a retried
 * or recomputed partition (a DataFrame used twice without caching) is counted again.
 */
public final class BackendReport extends AccumulatorV2<BackendReport.Part, Map<String, BackendReport.Stats>> {
    private static final long serialVersionUID = 1L;

    private final TreeMap<String, Stats> byLabel = new TreeMap<>();

    /**
     * One partition's work on one backend.
     *
     * @param label     {@code cuda:0}, {@code cpu}, or {@code cpu (fallback: <why>)}
     * @param device    the device string of the last call (e.g. the CPU engine's kernels)
     * @param rows      rows read
     * @param elements  elements computed (nulls excluded)
     * @param chunks    evaluator calls
     * @param evalNanos time inside the evaluator
     * @param readNanos time spent pulling input rows and filling chunks (includes the upstream plan: Parquet scan, row conversion)
     */
    public record Part(String label, String device, long rows, long elements, long chunks, long evalNanos, long readNanos)
            implements Serializable {
    }

    /** Totals for one label. */
    public static final class Stats implements Serializable {
        private static final long serialVersionUID = 1L;
        long partitions;
        long rows;
        long elements;
        long chunks;
        long evalNanos;
        long readNanos;
        String device;

        public long partitions() { return partitions; }
        public long rows() { return rows; }
        public long elements() { return elements; }
        public long chunks() { return chunks; }
        public long evalNanos() { return evalNanos; }
        public long readNanos() { return readNanos; }
        public String device() { return device; }

        Stats copy() {
            Stats s = new Stats();
            s.add(this);
            s.device = device;
            return s;
        }

        void add(Stats o) {
            partitions += o.partitions;
            rows += o.rows;
            elements += o.elements;
            chunks += o.chunks;
            evalNanos += o.evalNanos;
            readNanos += o.readNanos;
            if (o.device != null) {
                device = o.device;
            }
        }
    }

    /** A report registered with {@code sc} under {@code name} (it shows in the Spark UI). */
    public static BackendReport register(SparkContext sc, String name) {
        BackendReport r = new BackendReport();
        r.register(sc, Option.apply(name), false);
        return r;
    }

    @Override
    public boolean isZero() {
        synchronized (byLabel) {
            return byLabel.isEmpty();
        }
    }

    @Override
    public BackendReport copy() {
        BackendReport r = new BackendReport();
        synchronized (byLabel) {
            byLabel.forEach((k, v) -> r.byLabel.put(k, v.copy()));
        }
        return r;
    }

    @Override
    public void reset() {
        synchronized (byLabel) {
            byLabel.clear();
        }
    }

    @Override
    public void add(Part p) {
        Stats s = new Stats();
        s.partitions = 1;
        s.rows = p.rows();
        s.elements = p.elements();
        s.chunks = p.chunks();
        s.evalNanos = p.evalNanos();
        s.readNanos = p.readNanos();
        s.device = p.device();
        merge(p.label(), s);
    }

    private void merge(String label, Stats s) {
        synchronized (byLabel) {
            byLabel.computeIfAbsent(label, k -> new Stats()).add(s);
        }
    }

    @Override
    public void merge(AccumulatorV2<Part, Map<String, Stats>> other) {
        for (var e : other.value().entrySet()) {
            merge(e.getKey(), e.getValue());
        }
    }

    /** Totals per label, a snapshot. */
    @Override
    public Map<String, Stats> value() {
        Map<String, Stats> m = new LinkedHashMap<>();
        synchronized (byLabel) {
            byLabel.forEach((k, v) -> m.put(k, v.copy()));
        }
        return Collections.unmodifiableMap(m);
    }

    /** Partitions counted on {@code label} (0 if none). */
    public long partitions(String label) {
        Stats s = value().get(label);
        return s == null ? 0 : s.partitions;
    }

    /** Partitions on each label, most first: {@code "3 partitions on cuda:0 (…), 1 on cpu (…)"}. */
    public String summary() {
        Map<String, Stats> v = value();
        if (v.isEmpty()) {
            return "no partitions computed";
        }
        StringBuilder sb = new StringBuilder();
        v.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().partitions, a.getValue().partitions)).forEach(e -> {
            Stats s = e.getValue();
            sb.append(sb.length() == 0 ? s.partitions + (s.partitions == 1 ? " partition on " : " partitions on ") : ", " + s.partitions + " on ")
                    .append(e.getKey()).append(" (").append(s.elements).append(" elements, ").append(s.chunks).append(" calls, ")
                    .append(String.format(java.util.Locale.ROOT, "%.3f s in sigbatch, %.3f s reading rows", s.evalNanos / 1e9, s.readNanos / 1e9))
                    .append(')');
        });
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
