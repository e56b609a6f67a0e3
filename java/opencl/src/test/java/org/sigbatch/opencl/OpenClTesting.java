package org.sigbatch.opencl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.sigbatch.BackendKind;
import org.sigbatch.BackendUnavailableException;
import org.sigbatch.Sigmoid;
import org.sigbatch.testing.Hardware;

/** Shared set-up: whether OpenCL opens here, evaluators on it, and test inputs. */
final class OpenClTesting {
    private OpenClTesting() {
    }

    private static String reason;
    private static Boolean available;

    /** Opens (and closes) a backend once to learn whether OpenCL works here. */
    static synchronized boolean available() {
        if (available == null) {
            try (OpenClBackend b = OpenClBackend.open(Map.of())) {
                available = true;
                System.err.println("OpenCL device: " + b.describe());
            } catch (BackendUnavailableException | LinkageError e) {
                available = false;
                reason = e.getMessage();
            }
        }
        return available;
    }

    /** Skips (or fails under -Dsigbatch.require=opencl) when OpenCL is absent. */
    static void require() {
        boolean ok = available();
        Hardware.requireOrSkip("opencl", ok, ok ? "" : reason);
    }

    static OpenClBackend backend(String... kv) {
        return OpenClBackend.open(options(kv));
    }

    static Map<String, String> options(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** An evaluator forced onto OpenCL with the given options. */
    static Sigmoid sigmoid(String... kv) {
        Sigmoid.Builder b = Sigmoid.builder().backend(BackendKind.OPENCL);
        for (int i = 0; i < kv.length; i += 2) {
            b.option(kv[i], kv[i + 1]);
        }
        return b.build();
    }

    /** Special values and every threshold from NOTES.md, with their neighbours. */
    static float[] specialF32() {
        List<Float> v = new ArrayList<>(List.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
                Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE,
                1f, -1f, 0.5f, -0.5f, 9.66f, 16.6355324f, 17.32868f, -17.32868f, -87.3365479f, 87.3365479f,
                -103.972076f, 103.972076f, -103.972084f, 103.972084f, 3.45267e-4f, -3.45267e-4f, -89f, -100f, 88f, -88f,
                745f, -745f, 1e10f, -1e10f));
        List<Float> out = new ArrayList<>();
        for (float f : v) {
            out.add(f);
            if (Float.isFinite(f)) {
                out.add(Math.nextUp(f));
                out.add(Math.nextDown(f));
            }
        }
        // the subnormal-result range of sigma and sigma'
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

    /** Specials, then random values over several scales, n in total (n >= specials). */
    static float[] inputsF32(int n, long seed) {
        float[] s = specialF32();
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

    static double[] specialF64() {
        double[] base = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, Double.MIN_VALUE,
                -Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE, 1, -1, 0.5, -0.5, 17.33, 36.7, 37.5,
                -708.4, -709.8, -744.5, -745.2, 745.2, 709.8, 708.4, -750, 750, 1e-8, -1e-8, 1e-300, 1e300, -1e300};
        List<Double> out = new ArrayList<>();
        for (double d : base) {
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

    static double[] inputsF64(int n, long seed) {
        double[] s = specialF64();
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

    /** gradOut values: moderate magnitudes of both signs and a few specials. */
    static float[] gradF32(int n, long seed) {
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

    static double[] gradF64(int n, long seed) {
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

    /** Values of y = sigma(x) over [0, 1] (the input of backward-from-output), with 0, 1, NaN. */
    static float[] yF32(int n, long seed) {
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

    static double[] yF64(int n, long seed) {
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
