package org.sigbatch.testing;

import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.sigbatch.DType;
import org.sigbatch.DeviceArray;
import org.sigbatch.Op;
import org.sigbatch.Sigmoid;

/**
 * The child JVM of {@code NativeMemoryCyclesTest}: {@code cycles} evaluator open/close cycles on one
 * backend (each a call and a device array), under Native Memory Tracking; prints the NMT summary's
 * figures after the first tenth (warmed up) and at the end, one {@code NMT <when> <category> <KB>} line each.
 */
public final class OpenCloseCycles {
    private OpenCloseCycles() {
    }

    public static void main(String[] args) throws Exception {
        String backend = args[0];
        int cycles = Integer.parseInt(args[1]);
        float[] x = {-1f, 0f, 1f, 2f, 3f};
        for (int i = 1; i <= cycles; i++) {
            Sigmoid.Builder b = Sigmoid.builder().backend(backend);
            if (backend.equals(SimulatedBackendProvider.ID)) {
                b.provider(new SimulatedBackendProvider());
            }
            try (Sigmoid s = b.build()) {
                float[] y = new float[x.length];
                s.sigmoid(x, y);
                UlpCheck.f32(Op.SIGMOID, 0, x, null, y, x.length, "cycle " + i);
                try (DeviceArray a = s.allocate(DType.F32, 1000)) {
                    a.write(0, x, 0, x.length);
                    s.sigmoid(a, a);
                }
            }
            if (i == cycles / 10 || i == cycles) {
                settle();
                print(i == cycles ? "end" : "warm", summary());
            }
        }
    }

    /**
     * Direct buffers are freed by a Cleaner after the GC finds them unreachable: without a GC between
     * the two snapshots "Other" grows by whatever the heap has not collected yet (seen: 94 to 594 KB).
     */
    private static void settle() throws InterruptedException {
        for (int k = 0; k < 3; k++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    static String summary() throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "vmNativeMemory", new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
    }

    /** Total and per-category committed KB, and the thread count. */
    static void print(String when, String s) {
        Matcher total = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(s);
        if (total.find()) {
            System.out.println("NMT " + when + " Total " + total.group(1));
        }
        Matcher m = Pattern.compile("-\\s+([A-Za-z ]+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)").matcher(s);
        while (m.find()) {
            System.out.println("NMT " + when + " " + m.group(1).trim().replace(' ', '_') + " " + m.group(2));
        }
        Matcher t = Pattern.compile("\\(threads #(\\d+)\\)").matcher(s);
        if (t.find()) {
            System.out.println("NMT " + when + " threads " + t.group(1));
        }
    }
}
