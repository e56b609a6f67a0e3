package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sigbatch.DType;
import org.sigbatch.Op;

/**
 * The committed fatbin is present and built from the current sources: its stamp holds a SHA-256 of
 * sigmoid.cu, sigmoid_math.cuh, sigmoid_float_only.h, fatbin.flags and sigmoid_half.cuh (git does not keep file times, so times prove
 * nothing). Where nvcc is installed the kernels are also rebuilt and compared.
 */
class FatbinTest {
    static final Path RES = Path.of("java/cuda/src/main/resources/org/sigbatch/cuda");

    static Properties stamp() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Toolchain.root().resolve(RES).resolve("sigmoid.fatbin.properties"))) {
            p.load(in);
        }
        return p;
    }

    static String sourcesSha() throws IOException {
        Path k = Toolchain.kernels();
        return Toolchain.sha256(Files.readAllBytes(k.resolve("sigmoid.cu")), Files.readAllBytes(k.resolve("sigmoid_math.cuh")),
                Files.readAllBytes(k.resolve("sigmoid_float_only.h")), Files.readAllBytes(k.resolve("fatbin.flags")),
                Files.readAllBytes(k.resolve("sigmoid_half.cuh")));
    }

    static List<String> flags() throws IOException {
        return Arrays.asList(Files.readString(Toolchain.kernels().resolve("fatbin.flags")).trim().split("\\s+"));
    }

    static TreeSet<String> expectedKernels() {
        TreeSet<String> s = new TreeSet<>(Kernels.allNames());
        for (Op op : Op.values()) {
            for (DType t : DType.values()) {
                assertTrue(s.contains(Kernels.name(op, t)), Kernels.name(op, t));
                if (t == DType.F32) {
                    assertTrue(s.contains(Kernels.name(op, t) + "_floatonly"), "float-only variant of " + Kernels.name(op, t));
                }
            }
        }
        return s;
    }

    @Test
    void fatbinIsOnTheClassPathAndMatchesItsStamp() throws IOException {
        byte[] fromJar = CudaBackend.fatbin();
        byte[] committed = Files.readAllBytes(Toolchain.root().resolve(RES).resolve("sigmoid.fatbin"));
        assertTrue(Arrays.equals(fromJar, committed), "the class path holds the committed fatbin");
        Properties p = stamp();
        assertEquals(p.getProperty("fatbin.sha256"), Toolchain.sha256(committed), "sigmoid.fatbin was changed without make fatbin");
        assertEquals(Long.parseLong(p.getProperty("fatbin.size")), committed.length);
        // a fatbin starts with the fatbin magic 0xBA55ED50 (little endian)
        assertEquals(0x50, committed[0] & 0xff);
        assertEquals(0xED, committed[1] & 0xff);
        assertEquals(0x55, committed[2] & 0xff);
        assertEquals(0xBA, committed[3] & 0xff);
        assertEquals(expectedKernels(), new TreeSet<>(Arrays.asList(p.getProperty("kernels").split(","))), "kernels in the stamp");
    }

    @Test
    void fatbinIsNotOlderThanItsSources() throws IOException {
        Properties p = stamp();
        assertEquals(p.getProperty("sources.sha256"), sourcesSha(),
                "kernels-cuda/sigmoid.cu, sigmoid_math.cuh, sigmoid_float_only.h, fatbin.flags or sigmoid_half.cuh changed after the fatbin was built: run `make fatbin` and commit "
                        + RES + "/sigmoid.fatbin and its .properties");
        assertEquals(String.join(" ", flags()), p.getProperty("flags").trim());
        for (String arch : List.of("sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "sm_100", "sm_120", "code=compute_75")) {
            assertTrue(p.getProperty("flags").contains(arch), "fatbin has " + arch);
        }
        assertTrue(p.getProperty("flags").contains("-fmad=false"), "sigmoid_math.cuh needs -fmad=false");
        assertTrue(!p.getProperty("flags").contains("fast-math") && !p.getProperty("flags").contains("fast_math"), "no fast math");
    }

    @Test
    void kernelsCompileWithNvccAndDefineTheExpectedEntries() throws Exception {
        Path nvcc = Toolchain.requireNvcc();
        Path ptx = Toolchain.work().resolve("sigmoid.ptx");
        var r = Toolchain.run(Toolchain.root(), 300, nvcc.toString(), "-std=c++17", "-fmad=false", "-ptx", "-arch=compute_75", "-o",
                ptx.toString(), "kernels-cuda/sigmoid.cu");
        assertEquals(0, r.exit(), r.output());
        TreeSet<String> entries = new TreeSet<>();
        Matcher m = Pattern.compile("\\.entry\\s+(\\w+)").matcher(Files.readString(ptx));
        while (m.find()) {
            entries.add(m.group(1));
        }
        assertEquals(expectedKernels(), entries);
        // the accuracy depends on these never appearing: no fast approximate exp or division
        String text = Files.readString(ptx);
        assertTrue(!text.contains("ex2.approx") && !text.contains("div.approx") && !text.contains("div.full"),
                "the kernels use no approximate exp/division instructions");
    }

    @Test
    void rebuiltFatbinMatchesTheCommittedOne() throws Exception {
        Path nvcc = Toolchain.requireNvcc();
        Path out = Toolchain.work().resolve("sigmoid.fatbin");
        List<String> cmd = new ArrayList<>();
        cmd.add(nvcc.toString());
        cmd.addAll(flags());
        cmd.addAll(List.of("-fatbin", "-o", out.toString(), "kernels-cuda/sigmoid.cu"));
        var r = Toolchain.run(Toolchain.root(), 600, cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), r.output());
        byte[] rebuilt = Files.readAllBytes(out);
        Properties p = stamp();
        var v = Toolchain.run(Toolchain.root(), 60, nvcc.toString(), "--version");
        Matcher ver = Pattern.compile("V\\d[\\d.]*").matcher(v.output());
        String version = ver.find() ? ver.group() : "?";
        long committedSize = Long.parseLong(p.getProperty("fatbin.size"));
        if (version.equals(p.getProperty("nvcc"))) {
            // nvcc output is deterministic: same compiler, same sources, same flags -> same bytes
            assertEquals(p.getProperty("fatbin.sha256"), Toolchain.sha256(rebuilt), "rebuilt fatbin differs from the committed one");
        } else {
            System.err.println("nvcc " + version + " differs from the fatbin's " + p.getProperty("nvcc") + ": comparing sizes only");
            assertTrue(Math.abs(rebuilt.length - committedSize) < committedSize / 4, "rebuilt " + rebuilt.length + " vs committed " + committedSize);
        }
        Path cuobjdump = nvcc.resolveSibling("cuobjdump");
        if (Files.isExecutable(cuobjdump)) {
            var a = Toolchain.run(Toolchain.root(), 120, cuobjdump.toString(), "--list-elf", out.toString());
            var b = Toolchain.run(Toolchain.root(), 120, cuobjdump.toString(), "--list-elf",
                    Toolchain.root().resolve(RES).resolve("sigmoid.fatbin").toString());
            assertEquals(a.output().replace(out.toString(), ""), b.output().replaceAll("\\S*sigmoid\\.fatbin", ""));
        } else {
            System.err.println("no cuobjdump next to " + nvcc + ": ELF listing not compared");
        }
    }
}
