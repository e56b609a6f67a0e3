package org.sigbatch.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Guards against C2's size cliffs, deterministically, from the compiled bytecode:
 * <ul>
 *   <li>{@link AccurateF64Kernels}'s {@code exp} (and the helpers its loops call per element) must stay
 *       within C2's hot-call inline limit FreqInlineSize (325 bytes on x86): past it the {@code Exp}
 *       result is no longer scalar-replaced, every element allocates, and every float64 kernel slows down.</li>
 *   <li>No kernel method may exceed HugeMethodLimit (8000 bytes): such a method is never compiled and
 *       its loop runs in the interpreter.</li>
 * </ul>
 * The limits are read from the running VM where it exposes them, else HotSpot's x86 defaults.
 */
class InliningGuardTest {
    @Test
    void accurateF64HelpersFitTheHotInlineLimit() throws IOException {
        Map<String, Integer> sizes = ClassFileSizes.codeLengths(AccurateF64Kernels.class);
        int limit = vmIntOption("FreqInlineSize", 325);
        for (String m : List.of("exp(D)Lorg/sigbatch/cpu/AccurateF64Kernels$Exp;", "sig(DLorg/sigbatch/cpu/AccurateF64Kernels$Exp;)D",
                "der(Lorg/sigbatch/cpu/AccurateF64Kernels$Exp;)D")) {
            Integer size = sizes.get(m);
            assertTrue(size != null, "method " + m + " not found in AccurateF64Kernels (renamed? update this guard): " + sizes.keySet());
            System.out.println("AccurateF64Kernels." + m + ": " + size + " bytecode bytes (FreqInlineSize " + limit + ")");
            assertTrue(size <= limit, "AccurateF64Kernels." + m + " is " + size + " bytes of bytecode, over FreqInlineSize = " + limit
                    + ": C2 stops inlining it and the float64 kernels allocate per element; shorten it or split the work");
        }
    }

    @Test
    void noKernelMethodIsTooLargeToCompile() throws IOException, ClassNotFoundException {
        int huge = vmIntOption("HugeMethodLimit", 8000);
        for (String cls : List.of("org.sigbatch.cpu.AccurateF64Kernels", "org.sigbatch.cpu.ScalarF32Kernels",
                "org.sigbatch.cpu.simd.VectorF32Kernels", "org.sigbatch.cpu.simd.VectorF32FastKernels",
                "org.sigbatch.cpu.simd.VectorF64Kernels", "org.sigbatch.cpu.simd.VectorF32FloatOnlyKernels")) {
            Class<?> c;
            try {
                c = Class.forName(cls, false, getClass().getClassLoader());
            } catch (ClassNotFoundException e) {
                if (cls.endsWith("FloatOnlyKernels")) {
                    continue; // an optional candidate (see Kernels)
                }
                throw e;
            }
            for (var e : ClassFileSizes.codeLengths(c).entrySet()) {
                assertTrue(e.getValue() <= huge, cls + "." + e.getKey() + " is " + e.getValue() + " bytes, over HugeMethodLimit = " + huge
                        + ": HotSpot never compiles it");
            }
        }
    }

    @Test
    void parserReadsKnownSizes() throws IOException {
        // a hand-made class file: one method "m()V" whose Code attribute holds 3 bytes of code
        byte[] cf = {
            (byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 65,
            0, 4, // constant pool count: entries 1..3
            1, 0, 1, 'm', 1, 0, 3, '(', ')', 'V', 1, 0, 4, 'C', 'o', 'd', 'e',
            0, 0, 0, 0, 0, 0, // flags, this, super
            0, 0, // interfaces
            0, 0, // fields
            0, 1, // methods
            0, 0, 0, 1, 0, 2, 0, 1, // flags, name #1, descriptor #2, 1 attribute
            0, 3, 0, 0, 0, 15, 0, 1, 0, 1, 0, 0, 0, 3, 0, 0, (byte) 0xB1, 0, 0, 0, 0,
        };
        assertEquals(Map.of("m()V", 3), ClassFileSizes.codeLengths(new ByteArrayInputStream(cf)));
    }

    private static int vmIntOption(String name, int fallback) {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return Integer.parseInt(bean.getVMOption(name).getValue());
        } catch (RuntimeException | LinkageError e) {
            return fallback;
        }
    }
}
