package org.sigbatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sigbatch.BackendKind;
import org.sigbatch.Op;
import org.sigbatch.Sigmoid;

/**
 * Test frames (id, x, g) with every special value, nulls, and for arrays empty arrays, null elements
 * and a row longer than a chunk; and the expected results from the core CPU evaluator.
 */
final class TestData {
    /** Special inputs: NaN, infinities, signed zeros, subnormals, the float32 thresholds of σ and σ'. */
    static final double[] SPECIALS = {
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, Double.MIN_VALUE, -Double.MAX_VALUE, 1, -1, 3.45267e-4, 9.66,
        16.6355324, 17.32868, 36.7, 37.4, -87.3365479, -88, -89, -100, -103.972076, -103.972084, -104, 87.3365479, 103.97, -709, -745, 1e-30
    };

    private static final Sigmoid CORE = Sigmoid.builder().backend(BackendKind.CPU).build();

    private TestData() {
    }

    static DataType sparkType(ColumnKind kind, boolean containsNull) {
        DataType e = kind.dtype == org.sigbatch.DType.F32 ? DataTypes.FloatType : DataTypes.DoubleType;
        return kind.array ? DataTypes.createArrayType(e, containsNull) : e;
    }

    static StructType schema(ColumnKind kind) {
        return new StructType().add("id", DataTypes.LongType, false).add("x", sparkType(kind, true), true).add("g", sparkType(kind, true), true);
    }

    /** Boxes a double as the kind's element type. */
    static Object box(ColumnKind kind, double v) {
        return kind.dtype == org.sigbatch.DType.F32 ? (Object) (float) v : (Object) v;
    }

    /**
     * Rows: every special value (and its gradient), nulls in x and g, random values; for arrays, rows
     * of 0–150 elements with some null elements and one row of {@code longRow} elements.
     */
    static List<Row> rows(ColumnKind kind, int n, int longRow, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        long id = 0;
        if (!kind.array) {
            for (double s : SPECIALS) {
                rows.add(RowFactory.create(id++, box(kind, s), box(kind, r.nextDouble(-3, 3))));
            }
            rows.add(RowFactory.create(id++, null, box(kind, 1)));
            rows.add(RowFactory.create(id++, box(kind, 1), null));
            rows.add(RowFactory.create(id++, null, null));
            for (int i = 0; i < n; i++) {
                rows.add(RowFactory.create(id++, box(kind, value(r)), box(kind, value(r))));
            }
            return rows;
        }
        Object[] special = new Object[SPECIALS.length];
        Object[] specialG = new Object[SPECIALS.length];
        for (int i = 0; i < SPECIALS.length; i++) {
            special[i] = box(kind, SPECIALS[i]);
            specialG[i] = box(kind, r.nextDouble(-3, 3));
        }
        rows.add(RowFactory.create(id++, array(kind, Arrays.asList(special)), array(kind, Arrays.asList(specialG))));
        rows.add(RowFactory.create(id++, array(kind, List.of()), array(kind, List.of())));
        rows.add(RowFactory.create(id++, null, array(kind, List.of(box(kind, 1)))));
        rows.add(RowFactory.create(id++, array(kind, Arrays.asList(box(kind, 1), null, box(kind, 2))),
                array(kind, Arrays.asList(box(kind, 1), box(kind, 1), null))));
        for (int i = 0; i < n; i++) {
            int len = i == n / 2 ? longRow : r.nextInt(151);
            List<Object> x = new ArrayList<>();
            List<Object> g = new ArrayList<>();
            for (int k = 0; k < len; k++) {
                x.add(box(kind, value(r)));
                g.add(box(kind, value(r)));
            }
            rows.add(RowFactory.create(id++, array(kind, x), array(kind, g)));
        }
        return rows;
    }

    /** A Row's array value: a boxed Float[] or Double[] (Spark 4's Row encoder takes arrays or Scala Seqs, not java.util.List). */
    static Object array(ColumnKind kind, List<Object> values) {
        return kind.dtype == org.sigbatch.DType.F32 ? values.toArray(new Float[0]) : values.toArray(new Double[0]);
    }

    private static double value(SplittableRandom r) {
        return r.nextInt(10) == 0 ? r.nextDouble(-120, 120) : r.nextDouble(-12, 12);
    }

    static Dataset<Row> frame(SparkSession spark, ColumnKind kind, List<Row> rows, int partitions) {
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema(kind));
    }

    /** The core evaluator's result of {@code op} (output k) on one row's values; boxed, nulls where an input was null. */
    static Object[] expected(Op op, int k, ColumnKind kind, Object[] x, Object[] g) {
        int n = x.length;
        boolean f32 = kind.dtype == org.sigbatch.DType.F32;
        Class<?> type = f32 ? float[].class : double[].class;
        Object xs = Array.newInstance(type.getComponentType(), n);
        Object gs = Array.newInstance(type.getComponentType(), n);
        Object y = Array.newInstance(type.getComponentType(), n);
        Object d = Array.newInstance(type.getComponentType(), n);
        for (int i = 0; i < n; i++) {
            Array.set(xs, i, x[i] == null ? (f32 ? (Object) Float.NaN : Double.NaN) : x[i]);
            Array.set(gs, i, g == null || g[i] == null ? (f32 ? (Object) Float.NaN : Double.NaN) : g[i]);
        }
        // The core's whole-array method for the op, e.g. sigmoid(float[] x, float[] y), found by name.
        Object[] args = switch (op) {
            case SIGMOID, DERIVATIVE -> new Object[] {xs, y};
            case FUSED -> new Object[] {xs, y, d};
            case BACKWARD, BACKWARD_FROM_OUTPUT -> new Object[] {xs, gs, y};
        };
        String name = switch (op) {
            case BACKWARD_FROM_OUTPUT -> "backwardFromOutput";
            default -> op.name().toLowerCase(java.util.Locale.ROOT);
        };
        Class<?>[] types = new Class<?>[args.length];
        Arrays.fill(types, type);
        try {
            Sigmoid.class.getMethod(name, types).invoke(CORE, args);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("core evaluator call " + name + " failed", e);
        }
        Object out = k == 0 ? y : d;
        Object[] result = new Object[n];
        for (int i = 0; i < n; i++) {
            boolean isNull = x[i] == null || (g != null && g[i] == null);
            result[i] = isNull ? null : Array.get(out, i);
        }
        return result;
    }

    /** A cell as boxed elements (a scalar is one element), or null. */
    static Object[] cell(Row row, int i, ColumnKind kind) {
        if (row.isNullAt(i)) {
            return null;
        }
        return kind.array ? row.getList(i).toArray() : new Object[] {row.get(i)};
    }

    /** Bits of a boxed float or double, NaNs made canonical: equal bits mean the same result, 0 ULP apart. */
    static long bits(Object v) {
        return v instanceof Float f ? Float.floatToIntBits(f) : Double.doubleToLongBits((Double) v);
    }

    /**
     * Checks that column {@code out} of every row equals the core evaluator's op(x[, g]) bit for bit,
     * and is null where the inputs are.
     */
    static void assertMatchesCore(List<Row> result, ColumnKind kind, Op op, int k, String in, String grad, String out) {
        int checked = 0;
        for (Row row : result) {
            Object[] x = cell(row, row.fieldIndex(in), kind);
            Object[] g = grad == null ? null : cell(row, row.fieldIndex(grad), kind);
            Object[] got = cell(row, row.fieldIndex(out), kind);
            String where = op.label() + " " + out + " of row id " + row.getLong(row.fieldIndex("id"));
            if (x == null || (grad != null && g == null)) {
                assertNull(got, where + ": a null input must give null");
                continue;
            }
            if (got == null) {
                fail(where + ": null output for non-null input " + Arrays.toString(x));
            }
            Object[] want = expected(op, k, kind, x, g);
            assertEquals(want.length, got.length, where + ": length");
            for (int i = 0; i < want.length; i++) {
                if (want[i] == null || got[i] == null) {
                    assertEquals(want[i], got[i], where + " element " + i + " (x=" + x[i] + ")");
                } else if (bits(want[i]) != bits(got[i])) {
                    fail(where + " element " + i + ": x=" + x[i] + (g != null ? ", g=" + g[i] : "") + " gave " + got[i] + ", core gives " + want[i]);
                }
                checked++;
            }
        }
        if (checked == 0) {
            fail("nothing was compared for " + op.label());
        }
    }
}
