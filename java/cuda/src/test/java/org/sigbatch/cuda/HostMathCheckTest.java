package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sigbatch.Op;
import org.sigbatch.reference.OpReference;

/**
 * Proves the kernel math without a GPU: kernels-cuda/test/host_check.cu runs the same
 * __host__ __device__ functions of sigmoid_math.cuh on the CPU (bit-identical by construction:
 * explicit fma, no libm exp, -fmad=false / -ffp-contract=off) against long double and __float128
 * references. Quick mode: 10^7 float32 samples and 10^6 float64 samples.
 */
class HostMathCheckTest {
    static final Pattern FLOATONLY = Pattern.compile("RESULT f32-floatonly (\\S+)\\s+max_ulp=(\\S+) n=\\d+ over_half=\\d+ bound=(\\S+) .* (PASS|FAIL)");
    static final Pattern RESULT = Pattern.compile("RESULT (f32|f64) (\\S+)\\s+max_ulp=(\\S+) n=(\\d+) over_half=(\\d+) bound=(\\S+) .* (PASS|FAIL)");

    /** Builds the harness with nvcc (skips visibly without it) and runs it; returns max ULP per "dtype op". */
    static Map<String, Double> run(String... args) throws Exception {
        Path nvcc = Toolchain.requireNvcc();
        Path exe = Toolchain.work().resolve("host_check");
        var build = Toolchain.run(Toolchain.root(), 600, nvcc.toString(), "-O2", "-std=c++17", "-Xcompiler", "-ffp-contract=off,-pthread,-march=native",
                "-o", exe.toString(), "kernels-cuda/test/host_check.cu", "-lquadmath");
        assertEquals(0, build.exit(), "host_check did not build:\n" + build.output());
        String[] cmd = new String[args.length + 1];
        cmd[0] = exe.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        var r = Toolchain.run(Toolchain.root(), 4 * 3600, cmd);
        System.out.println(r.output());
        Files.writeString(Toolchain.work().resolve("host_check-" + args[0] + ".txt"), r.output());
        Map<String, Double> max = new LinkedHashMap<>();
        Matcher m = RESULT.matcher(r.output());
        while (m.find()) {
            double ulp = Double.parseDouble(m.group(3));
            double bound = Double.parseDouble(m.group(6));
            max.put(m.group(1) + " " + m.group(2), ulp);
            assertTrue(ulp <= bound, m.group() + " exceeds its bound");
            assertEquals(bound, OpReference.bound(Op.parse(m.group(2)), 0), "harness bound = the project's bound for " + m.group(2));
        }
        assertEquals(8, max.size(), "one RESULT per dtype and op:\n" + r.output());
        assertTrue(r.output().contains("SPECIALS f32 PASS") && r.output().contains("SPECIALS f64 PASS"), r.output());
        assertTrue(r.output().contains("FUSED f32 mismatches=0 f64 mismatches=0"), "fused = sigmoid + derivative bit for bit");
        // the float-only formulation (sigmoid_float_only.h, the *_floatonly kernels): its own lines
        Matcher fo = FLOATONLY.matcher(r.output());
        int foLines = 0;
        while (fo.find()) {
            foLines++;
            double ulp = Double.parseDouble(fo.group(2));
            max.put("f32-floatonly " + fo.group(1), ulp);
            assertTrue(ulp <= Double.parseDouble(fo.group(3)) && fo.group(4).equals("PASS"), fo.group() + " exceeds its bound");
        }
        assertEquals(4, foLines, "one float-only RESULT per op:\n" + r.output());
        assertTrue(max.get("f32-floatonly sigmoid") <= 0.501 && max.get("f32-floatonly derivative") <= 0.501, "float-only sigma/sigma' <= 0.501 ULP");
        assertTrue(max.get("f32-floatonly backward") <= 1.0 && max.get("f32-floatonly backward-from-output") <= 1.0, "float-only backward <= 1 ULP");
        assertTrue(r.output().contains("SPECIALS f32-floatonly PASS") && r.output().contains("FUSED f32-floatonly mismatches=0"), r.output());
        assertTrue(r.output().contains("FLOATONLY PASS"), r.output());
        assertTrue(r.output().contains("ALL PASS"), r.output());
        assertEquals(0, r.exit());
        return max;
    }

    @Test
    void kernelMathMeetsTheBoundsOnSamples() throws Exception {
        Map<String, Double> max = run("quick", "10000000");
        // float32 is computed in double and rounded once: correctly rounded or within a hair of it
        assertTrue(max.get("f32 sigmoid") <= 0.5 + 1e-6, "f32 sigmoid " + max.get("f32 sigmoid"));
        assertTrue(max.get("f32 derivative") <= 0.5 + 1e-6, "f32 derivative " + max.get("f32 derivative"));
    }
}
