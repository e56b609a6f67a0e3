package org.sigbatch.spark;

import java.util.List;
import scala.collection.immutable.ArraySeq;

/**
 * Reads the array cells of external {@code Row}s. Spark's deserializer gives a Scala {@code Seq};
 * when the optimizer removes a serialize/deserialize pair between two typed steps (two sigbatch
 * steps, say), the next step sees the previous step's value as it was emitted. So this takes any
 * Seq, {@link List} or array, and copies primitive-backed ones ({@code ArraySeq.ofFloat}, {@code float[]})
 * without boxing. Outputs are emitted as {@link ArraySeq}s over primitive arrays, Spark's own convention.
 */
final class ArrayCells {
    private ArrayCells() {
    }

    static int length(Object cell) {
        if (cell instanceof scala.collection.Seq<?> s) {
            return s.length();
        }
        if (cell instanceof List<?> l) {
            return l.size();
        }
        if (cell instanceof float[] a) {
            return a.length;
        }
        if (cell instanceof double[] a) {
            return a.length;
        }
        if (cell instanceof Object[] a) {
            return a.length;
        }
        throw new IllegalArgumentException("sigbatch: an array column holds a " + cell.getClass().getName() + ", not an array or Seq");
    }

    /** The primitive float array behind a cell, or null if it is boxed. */
    static float[] floats(Object cell) {
        if (cell instanceof float[] a) {
            return a;
        }
        if (cell instanceof ArraySeq.ofFloat s) {
            return s.unsafeArray();
        }
        if (cell instanceof scala.collection.mutable.ArraySeq.ofFloat s) {
            return s.array();
        }
        return null;
    }

    static double[] doubles(Object cell) {
        if (cell instanceof double[] a) {
            return a;
        }
        if (cell instanceof ArraySeq.ofDouble s) {
            return s.unsafeArray();
        }
        if (cell instanceof scala.collection.mutable.ArraySeq.ofDouble s) {
            return s.array();
        }
        return null;
    }

    /** A boxed cell's elements, for iteration without per-index lookups on linear Seqs. */
    static java.util.Iterator<?> elements(Object cell) {
        if (cell instanceof scala.collection.Seq<?> s) {
            return scala.jdk.javaapi.CollectionConverters.asJava(s.iterator());
        }
        if (cell instanceof List<?> l) {
            return l.iterator();
        }
        return java.util.Arrays.asList((Object[]) cell).iterator();
    }

    static Object wrap(float[] a) {
        return ArraySeq.unsafeWrapArray(a);
    }

    static Object wrap(double[] a) {
        return ArraySeq.unsafeWrapArray(a);
    }

    static Object wrap(Object[] a) {
        return ArraySeq.unsafeWrapArray(a);
    }
}
