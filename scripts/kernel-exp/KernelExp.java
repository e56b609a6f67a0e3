import org.sigbatch.cpu.F32Kernels;
import org.sigbatch.cpu.simd.F64InsideExp;
import org.sigbatch.cpu.simd.FloatOnlyExp;

/**
 * Times the generated sigma loops (generate.py) on one thread, in cache-sized arrays, and checks that every
 * interleaved variant is bit-identical to U = 1. Prints "name,ns_per_element_best,ns_per_element_median,differing".
 * The best of many passes is reported beside the median: the passes are short, and the best one is the least
 * disturbed; the median says how steady they were. Args: n passes.
 */
public final class KernelExp {
    interface Loop { void run(float[] x, int xo, float[] y, int yo, int n); }

    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        int passes = Integer.parseInt(a[1]);
        F32Kernels fast = (F32Kernels) Class.forName("org.sigbatch.cpu.simd.VectorF32FastKernels").getMethod("create").invoke(null);
        String[] names = {"floatonly-u1", "floatonly-u2", "floatonly-u4", "f64inside-u1", "f64inside-u2", "f64inside-u4",
                "f64inside-nodiv-probe", "f64inside-floatdiv-probe", "fast-shipped"};
        Loop[] loops = {FloatOnlyExp::sig1, FloatOnlyExp::sig2, FloatOnlyExp::sig4, F64InsideExp::sig1, F64InsideExp::sig2,
                F64InsideExp::sig4, F64InsideExp::sigNoDiv, F64InsideExp::sigFloatDiv, fast::sigmoid};
        int m = n - n % (4 * 16);
        float[] x = new float[m], y = new float[m], ref = new float[m];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < m; i++) {
            x[i] = r.nextFloat() * 40f - 20f; // the benchmarks' inputs: uniform in [-20, 20]
        }
        double[][] t = new double[loops.length][passes];
        for (int p = 0; p < passes; p++) { // interleaved: every loop sees the same machine state
            for (int q = 0; q < loops.length; q++) {
                long t0 = System.nanoTime();
                loops[q].run(x, 0, y, 0, m);
                t[q][p] = (System.nanoTime() - t0) / (double) m;
            }
        }
        System.out.println("name,ns_per_element_best,ns_per_element_median,differing_from_u1");
        for (int q = 0; q < loops.length; q++) {
            loops[q].run(x, 0, y, 0, m);
            (names[q].startsWith("floatonly") ? (Loop) FloatOnlyExp::sig1 : (Loop) F64InsideExp::sig1).run(x, 0, ref, 0, m);
            int diff = 0;
            for (int i = 0; i < m; i++) {
                diff += Float.floatToRawIntBits(y[i]) != Float.floatToRawIntBits(ref[i]) ? 1 : 0;
            }
            java.util.Arrays.sort(t[q]);
            System.out.printf("%s,%.4f,%.4f,%s%n", names[q], t[q][0], t[q][passes / 2],
                    names[q].contains("probe") || names[q].startsWith("fast") ? "n/a" : Integer.toString(diff));
        }
    }
}
