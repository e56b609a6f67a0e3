package org.sigbatch.testing;

import java.util.SplittableRandom;
import org.sigbatch.reference.SpecialValues;

/** Test inputs for every backend: the special values first, then random values over several scales. */
public final class TestData {
    private TestData() {
    }

    /** {@link SpecialValues#f32()}, then random values, n in total (at least the specials). */
    public static float[] inputsF32(int n, long seed) {
        float[] s = SpecialValues.f32();
        float[] a = new float[Math.max(n, s.length)];
        System.arraycopy(s, 0, a, 0, s.length);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = s.length; i < a.length; i++) {
            a[i] = switch (i % 4) {
                case 0 -> (float) r.nextDouble(-20, 20);
                case 1 -> (float) r.nextDouble(-110, 110);
                case 2 -> Float.intBitsToFloat(r.nextInt()); // any bit pattern
                default -> (float) r.nextDouble(-1, 1);
            };
        }
        return a;
    }

    public static double[] inputsF64(int n, long seed) {
        double[] s = SpecialValues.f64();
        double[] a = new double[Math.max(n, s.length)];
        System.arraycopy(s, 0, a, 0, s.length);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = s.length; i < a.length; i++) {
            a[i] = switch (i % 4) {
                case 0 -> r.nextDouble(-40, 40);
                case 1 -> r.nextDouble(-760, 760);
                case 2 -> Double.longBitsToDouble(r.nextLong());
                default -> r.nextDouble(-1, 1) * Math.scalb(1.0, -r.nextInt(60));
            };
        }
        return a;
    }

    /** gradOut values: moderate magnitudes of both signs, a few specials at the end. */
    public static float[] gradF32(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) r.nextDouble(-4, 4);
        }
        float[] sp = {0f, -0f, 1f, -1f, Float.NaN, 1e-30f, 1e30f};
        for (int i = 0; i < Math.min(n, sp.length); i++) {
            g[n - 1 - i] = sp[i];
        }
        return g;
    }

    public static double[] gradF64(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = r.nextDouble(-4, 4);
        }
        double[] sp = {0.0, -0.0, 1.0, -1.0, Double.NaN, 1e-200, 1e200};
        for (int i = 0; i < Math.min(n, sp.length); i++) {
            g[n - 1 - i] = sp[i];
        }
        return g;
    }

    /** Values of y = σ(x) over [0, 1] (the input of backward-from-output), with 0, 1, NaN first. */
    public static float[] yF32(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) Math.pow(r.nextDouble(), r.nextInt(1, 30));
            if (i % 2 == 1) {
                y[i] = 1 - y[i];
            }
        }
        float[] sp = {0f, 1f, 0.5f, Float.NaN, Float.MIN_VALUE, Math.nextDown(1f)};
        for (int i = 0; i < Math.min(n, sp.length); i++) {
            y[i] = sp[i];
        }
        return y;
    }

    public static double[] yF64(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = Math.pow(r.nextDouble(), r.nextInt(1, 60));
            if (i % 2 == 1) {
                y[i] = 1 - y[i];
            }
        }
        double[] sp = {0.0, 1.0, 0.5, Double.NaN, Double.MIN_VALUE, Math.nextDown(1.0)};
        for (int i = 0; i < Math.min(n, sp.length); i++) {
            y[i] = sp[i];
        }
        return y;
    }
}
