package org.sigbatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sigbatch.BackendKind;

/** {@code sigbatch bench}: reports, chart, bad sizes, absent backends. Small sizes, no timing assertions. */
class BenchCommandTest {
    @TempDir
    Path dir;

    private static final List<String> FAST = List.of("--repeat", "2", "--warmup", "0", "--jit-warmup", "0");

    private Cli.Result bench(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("bench"));
        args.addAll(FAST);
        args.addAll(List.of(extra));
        return Cli.run(args);
    }

    @Test
    void writesTableCsvJsonAndPlot() throws IOException {
        Path csv = dir.resolve("b.csv");
        Path json = dir.resolve("b.json");
        Path png = dir.resolve("b.png");
        Cli.Result r = bench("--backends", "all", "--ops", "sigmoid,fused,backward", "--sizes", "1K,4K", "--csv", csv.toString(),
                "--json", json.toString(), "--plot", png.toString());
        assertEquals(0, r.code(), r.err());
        // table: one row per backend x op x size that ran, here at least the CPU's 3 x 2
        long cpuRows = r.out().lines().filter(l -> l.startsWith("cpu ")).count();
        assertEquals(6, cpuRows, r.out());
        assertTrue(r.out().contains("median") && r.out().contains("GB/s") && r.out().contains("vs cpu"), r.out());
        for (BackendKind k : List.of(BackendKind.OPENCL, BackendKind.CUDA)) {
            // each GPU backend is either measured or listed as skipped with its reason
            assertTrue(r.out().contains(k.id() + ": skipped (" + k.id() + " unavailable: ") || r.out().lines().anyMatch(l -> l.startsWith(k.id() + " ")),
                    r.out());
        }

        List<String> lines = Files.readAllLines(csv);
        assertEquals(String.join(",", BenchReport.CSV_COLUMNS), lines.get(0));
        assertEquals(1 + r.out().lines().filter(l -> l.matches("^(cpu|opencl|cuda) .*")).count(), lines.size());
        assertTrue(lines.get(1).startsWith("cpu,"), lines.get(1));
        assertEquals(BenchReport.CSV_COLUMNS.size(), splitCsv(lines.get(1)).size(), lines.get(1));

        String j = Files.readString(json);
        for (String key : List.of("\"machine\"", "\"os\"", "\"arch\"", "\"cpu_model\"", "\"cores\"", "\"memory_bytes\"", "\"jdk\"", "\"results\"",
                "\"backend\": \"cpu\"", "\"op\": \"sigmoid\"", "\"op\": \"backward\"", "\"dtype\": \"f32\"", "\"size\": 1024", "\"size\": 4096",
                "\"median_seconds\"", "\"elements_per_second\"", "\"gb_per_second\"", "\"transfer_seconds\"", "\"kernel_seconds\"", "\"crossovers\"")) {
            assertTrue(j.contains(key), key + " in " + j);
        }
        Matcher m = Pattern.compile("\"median_seconds\": ([0-9.eE-]+)").matcher(j);
        assertTrue(m.find());
        assertTrue(Double.parseDouble(m.group(1)) > 0);
        assertFalse(j.contains("NaN") || j.contains("Infinity"), "JSON has no NaN/Infinity literals");

        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "the PNG must be readable");
        assertEquals(BenchReport.PLOT_WIDTH, img.getWidth());
        assertEquals(BenchReport.PLOT_HEIGHT, img.getHeight());
        assertEquals(List.of(), Cli.tempFiles(dir));
    }

    @Test
    void float64AndEveryOp() {
        Cli.Result r = bench("--backends", "cpu", "--ops", "all", "--sizes", "512", "--dtype", "f64");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("float64"), r.out());
        assertEquals(5, r.out().lines().filter(l -> l.startsWith("cpu ")).count(), r.out());
        assertTrue(r.out().contains("backward-from-output"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4X", "0", "-1", "4K,,8K", "1.5M", "5T", "K"})
    void rejectsBadSizes(String sizes) {
        bench("--backends", "cpu", "--sizes", sizes).assertOneErrorLine(2, "--sizes: '");
    }

    @Test
    void rejectsSizesThatDoNotFitInTheHeap() {
        bench("--backends", "cpu", "--sizes", "1G", "--dtype", "f64").assertOneErrorLine(2, "heap");
        bench("--backends", "cpu", "--sizes", "4G").assertOneErrorLine(2, "more than a java array holds");
    }

    @Test
    void rejectsBadOptions() {
        bench("--backends", "tpu").assertOneErrorLine(2, "unknown backend 'tpu'");
        bench("--backends", "auto").assertOneErrorLine(2, "not auto");
        bench("--ops", "tanh").assertOneErrorLine(2, "unknown op 'tanh'");
        bench("--dtype", "f16").assertOneErrorLine(2, "unknown dtype 'f16'");
        Cli.run("bench", "--repeat", "0").assertOneErrorLine(2, "--repeat");
        bench("--sizes", "1K", "--backends", "cpu", "--json", dir.resolve("missing/b.json").toString()).assertOneErrorLine(2, "--json", "does not exist");
    }

    @Test
    void anAbsentBackendRequestedAloneExitsWith3() {
        Cli.assumeAbsent(BackendKind.CUDA);
        bench("--backends", "cuda", "--sizes", "1K").assertOneErrorLine(3, "cuda unavailable");
    }

    @Test
    void anAbsentBackendAmongOthersIsSkippedWithItsReason() {
        Cli.assumeAbsent(BackendKind.CUDA);
        Cli.Result r = bench("--backends", "cpu,cuda", "--sizes", "1K", "--ops", "sigmoid");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("cuda: skipped (cuda unavailable: "), r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("cpu ")).count());
    }

    @Test
    void cpuRowsShowSpeedupOneAndNoCrossover() {
        Cli.Result r = bench("--backends", "cpu", "--sizes", "1K,2K", "--ops", "sigmoid");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1.00x"), r.out());
        assertTrue(r.out().contains("crossover: no GPU backend measured"), r.out());
    }

    /** The crossover is the smallest size from which the GPU wins at every larger size. */
    @Test
    void crossoverIsWhereTheGpuWinsFromThenOn() {
        long[] sizes = {1, 2, 3, 4};
        double[] cpu = {1, 2, 3, 4};
        double[][] gpus = {{5, 1, 6, 2}, {0.5, 1, 2, 3}, {9, 9, 9, 9}, {9, 9, 9, 1}};
        Long[] expected = {4L, 1L, null, 4L};
        for (int gi = 0; gi < gpus.length; gi++) {
            List<Bench.Result> rs = new java.util.ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                rs.add(result("cpu", sizes[i], cpu[i]));
                rs.add(result("cuda", sizes[i], gpus[gi][i]));
            }
            Bench.Config c = new Bench.Config(List.of(org.sigbatch.Op.SIGMOID), List.of(BackendKind.CPU, BackendKind.CUDA), sizes,
                    org.sigbatch.DType.F32, 1, 0, 0, java.util.Map.of());
            List<Bench.Crossover> x = Bench.crossovers(rs, c);
            assertEquals(1, x.size());
            assertEquals(expected[gi], x.get(0).size(), x.get(0).note());
        }
    }

    private static Bench.Result result(String backend, long size, double median) {
        return new Bench.Result(backend, backend, org.sigbatch.Op.SIGMOID, org.sigbatch.DType.F32, size, 1, 1, median, median, median, median, median,
                Double.NaN, Double.NaN, 0);
    }

    static List<String> splitCsv(String line) {
        List<String> cells = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                q = !q;
            } else if (c == ',' && !q) {
                cells.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        cells.add(cur.toString());
        return cells;
    }
}
