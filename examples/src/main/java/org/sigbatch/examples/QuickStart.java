package org.sigbatch.examples;

import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.Operand;
import org.sigbatch.Provenance;
import org.sigbatch.Sigmoid;
import org.sigbatch.VerifyPolicy;

/**
 * The README's API in ten lines, compiled and run by CI against the installed artifacts. Prints each
 * call's provenance and exits non-zero if a result is off, so the build notices.
 */
public final class QuickStart {
    private QuickStart() {
    }

    public static void main(String[] args) {
        int n = 1 << 16;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (i - n / 2) / 1024f;
        }
        float[] y = new float[n];
        float[] d = new float[n];
        float[] gradOut = new float[n];
        float[] gradIn = new float[n];
        java.util.Arrays.fill(gradOut, 2f);

        // --- the README's ten lines
        try (Sigmoid s = Sigmoid.builder()                 // or Sigmoid.create(): AUTO unless overridden
                .backend("auto")                           // auto | cpu | opencl | cuda (a provider's id)
                .verify(VerifyPolicy.SAMPLE).build()) {    // NONE | SAMPLE (64 elements/call) | FULL
            Provenance p = s.sigmoid(x, y);                // y = σ(x); float[] or double[]
            s.derivative(x, d);                            // d = σ'(x), stable form, computed from x
            s.fused(x, y, d);                              // σ and σ' in one pass over x
            s.backward(x, gradOut, gradIn);                // gradIn = gradOut·σ'(x)
            s.apply(Op.SIGMOID, Operand.of(x, 16, 100), Operand.of(y, 0, 100)); // any op, window, buffer or device array
            try (DeviceArray dx = s.upload(x); DeviceArray dy = s.allocate(DType.F32, n)) {
                System.out.println(s.sigmoid(dx, dy));     // data that stays on the device between calls
            }
            System.out.println(p);                         // "sigmoid float32 x65536 on cpu [...]"
            System.out.println("backends: " + s.availableBackends() + ", unavailable: " + s.unavailableBackends().keySet());
        }
        // --- checks: σ(0) = 0.5, σ'(0) = 0.25, gradIn = 2·σ', the window went to y[0..100)
        int zero = n / 2;
        check(Math.abs(d[zero] - 0.25f) == 0 && Math.abs(gradIn[zero] - 0.5f) == 0, "σ'(0) = 0.25 and gradIn = 2·σ'(0)");
        check(Math.abs(y[0] / (1 / (1 + Math.exp(-x[16]))) - 1) < 1e-6, "the window call wrote y[0] = σ(x[16])");
        System.out.println("ok");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("FAILED: " + what);
            System.exit(1);
        }
    }
}
