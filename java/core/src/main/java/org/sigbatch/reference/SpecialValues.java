package org.sigbatch.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * The inputs where σ and σ' go wrong if they go wrong anywhere: NaN, infinities, signed zeros, the
 * extremes of the format, and every threshold of the float32 and float64 results (rounding to 1,
 * the start of the subnormal range, rounding to 0, σ' = 0.25 exactly), each with its neighbours.
 * One list for every backend's tests, the CLI's checks and its printed table.
 */
public final class SpecialValues {
    /** float32 thresholds (exact values from the exhaustive runs) and the classic failure points. */
    private static final float[] F32 = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
        1f, -1f, 0.5f, -0.5f, 9.66f, 16.6355324f, 17.32868f, -17.32868f, -87.3365479f, 87.3365479f,
        -103.972076f, 103.972076f, -103.972084f, 103.972084f, 3.45267e-4f, -3.45267e-4f, -89f, -100f, 88f, -88f,
        745f, -745f, 1e10f, -1e10f};
    private static final double[] F64 = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0,
        Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE, 1, -1, 0.5, -0.5,
        17.33, 36.7, 37.5, -708.4, -709.8, -744.5, -745.2, 745.2, 709.8, 708.4, -750, 750, 1e-8, -1e-8, 1e-300, 1e300, -1e300};
    /** A short list for printed tables (one line each), meaningful for both dtypes. */
    private static final double[] TABLE = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1e-4, -1e-4,
        1, -1, 16.64, 17.33, 17.34, -17.33, 36.8, 37.5, 88, -88, -89, 89, -100, 100, -103.97, -104, 104, -709, -745, -746, 710, 745};

    private SpecialValues() {
    }

    /** float32 specials and thresholds with both neighbours, then a sweep of the subnormal-result range ±[87, 104]. */
    public static float[] f32() {
        List<Float> out = new ArrayList<>();
        for (float f : F32) {
            out.add(f);
            if (Float.isFinite(f)) {
                out.add(Math.nextUp(f));
                out.add(Math.nextDown(f));
            }
        }
        for (float x = -104f; x <= -87f; x += 0.0625f) {
            out.add(x);
            out.add(-x);
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    /** float64 specials and thresholds with both neighbours, then a sweep of ±[700, 746]. */
    public static double[] f64() {
        List<Double> out = new ArrayList<>();
        for (double d : F64) {
            out.add(d);
            if (Double.isFinite(d)) {
                out.add(Math.nextUp(d));
                out.add(Math.nextDown(d));
            }
        }
        for (double x = -746; x <= -700; x += 0.37) {
            out.add(x);
            out.add(-x);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The short list for tables ({@code sigbatch accuracy}); round it to float for float32. */
    public static double[] table() {
        return TABLE.clone();
    }
}
