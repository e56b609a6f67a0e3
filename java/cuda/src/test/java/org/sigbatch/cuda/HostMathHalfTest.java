package org.sigbatch.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sigbatch.Op;
import org.sigbatch.reference.HalfFormat;
import org.sigbatch.reference.OpReference;

/**
 * Proves the float16 / bfloat16 kernel math without a GPU: kernels-cuda/test/half_dump.cu runs the
 * __host__ __device__ functions of sigmoid_half.cuh (the ones the kernels call; IEEE-exact operations
 * only, -fmad=false / -ffp-contract=off) over all 65,536 inputs of the format, for every op (the
 * backward ops with three gradient sets: a permutation of every pattern, 6 smallest subnormals whose
 * quarter is halfway, and -1), and every result must be the double-double reference rounded once.
 */
class HostMathHalfTest {
    static final int N = 1 << 16;

    @ParameterizedTest
    @EnumSource(HalfFormat.class)
    void everyInputOfEveryOpIsCorrectlyRounded(HalfFormat f) throws Exception {
        Path nvcc = Toolchain.requireNvcc();
        Path exe = Toolchain.work().resolve("half_dump");
        var build = Toolchain.run(Toolchain.root(), 600, nvcc.toString(), "-O2", "-std=c++17", "-Xcompiler", "-ffp-contract=off",
                "-o", exe.toString(), "kernels-cuda/test/half_dump.cu");
        assertEquals(0, build.exit(), "half_dump did not build:\n" + build.output());
        String tag = f == HalfFormat.F16 ? "f16" : "bf16";
        Path out = Toolchain.work().resolve("half_dump-" + tag + ".bin");
        var r = Toolchain.run(Toolchain.root(), 600, exe.toString(), tag, out.toString());
        assertEquals(0, r.exit(), r.output());
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        short[] all = new short[b.remaining() / 2];
        b.asShortBuffer().get(all);
        assertEquals(13 * N, all.length, "3 gradient sets, 4 unary outputs, 2 x 3 backward outputs");
        short[][] g = new short[3][];
        for (int k = 0; k < 3; k++) {
            g[k] = java.util.Arrays.copyOfRange(all, k * N, (k + 1) * N);
        }
        short[] zero = new short[N];
        record Block(Op op, int output, short[] g) {
        }
        List<Block> blocks = new ArrayList<>(List.of(new Block(Op.SIGMOID, 0, zero), new Block(Op.DERIVATIVE, 0, zero),
                new Block(Op.FUSED, 0, zero), new Block(Op.FUSED, 1, zero)));
        for (short[] gk : g) {
            blocks.add(new Block(Op.BACKWARD, 0, gk));
        }
        for (short[] gk : g) {
            blocks.add(new Block(Op.BACKWARD_FROM_OUTPUT, 0, gk));
        }
        List<String> failures = new ArrayList<>();
        for (int k = 0; k < blocks.size(); k++) {
            Block bl = blocks.get(k);
            int base = (3 + k) * N;
            int[] bad = IntStream.range(0, N).parallel().filter(i -> {
                short want = OpReference.half(bl.op(), bl.output(), f, (short) i, bl.g()[i]);
                short got = all[base + i];
                return f.isNaN(want) ? !f.isNaN(got) : f.toDouble(want) != f.toDouble(got);
            }).toArray();
            if (bad.length > 0) {
                int i = bad[0];
                failures.add(String.format(Locale.ROOT, "%s %s output %d: %d wrong, first x=0x%04x g=0x%04x got 0x%04x want 0x%04x", f,
                        bl.op().label(), bl.output(), bad.length, i, bl.g()[i] & 0xFFFF, all[base + i] & 0xFFFF,
                        OpReference.half(bl.op(), bl.output(), f, (short) i, bl.g()[i]) & 0xFFFF));
            }
        }
        System.out.println("half kernel math " + f + ": " + blocks.size() * N + " results checked, " + failures.size() + " blocks wrong");
        assertEquals(List.of(), failures);
    }
}
