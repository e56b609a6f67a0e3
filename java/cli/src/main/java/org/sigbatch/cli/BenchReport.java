package org.sigbatch.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sigbatch.cli.Bench.Outcome;
import org.sigbatch.cli.Bench.Result;

/** Renders a benchmark outcome as a table, CSV, JSON and a PNG chart. */
final class BenchReport {
    static final int PLOT_WIDTH = 1000;
    static final int PLOT_HEIGHT = 640;

    private BenchReport() {
    }

    static void table(Outcome o, Bench.Config c, PrintWriter out) {
        out.printf(Locale.ROOT, "sigbatch bench: %s, %d timed samples per case after %s; %s%n",
                c.dtype(), c.repeat(), c.warmupSeconds() > 0 ? String.format(Locale.ROOT,
                        "a warm-up until stable (last %d samples' median within %.0f%% of the %d before, at most %.3g s)",
                        BenchWarmup.WINDOW, 100 * BenchWarmup.TOLERANCE, BenchWarmup.WINDOW, c.warmupSeconds()) : "no warm-up (--warmup 0)",
                MachineInfo.summary());
        for (var e : o.devices().entrySet()) {
            out.println("  " + e.getKey() + ": " + e.getValue());
        }
        for (var e : o.skipped().entrySet()) {
            out.println("  " + e.getKey() + ": skipped (" + Main.oneLine(e.getValue()) + ")");
        }
        String fmt = "%-7s %-21s %6s %10s %21s %14s %8s %10s %10s %8s%n";
        out.printf(Locale.ROOT, fmt, "backend", "op", "size", "median", "min .. max", "throughput", "GB/s", "transfer", "kernel", "vs cpu");
        for (Result r : o.results()) {
            double sp = o.speedup(r);
            out.printf(Locale.ROOT, fmt, r.backend(), r.op().label(), Sizes.format(r.size()), Format.time(r.median()),
                    Format.time(r.min()) + " .. " + Format.time(r.max()), Format.rate(r.elementsPerSecond()),
                    String.format(Locale.ROOT, "%.2f", r.gbPerSecond()), Format.time(r.transfer()), Format.time(r.kernel()),
                    Double.isNaN(sp) ? "-" : String.format(Locale.ROOT, "%.2fx", sp));
            if (r.fallbacks() > 0) {
                out.println("        ^ " + r.fallbacks() + " call(s) FELL BACK to the CPU during this case");
            }
            if (c.warmupSeconds() > 0 && r.warmup().problem() != null) {
                out.println("        ^ WARNING: " + r.warmup().problem() + "; this case may still include warm-up");
            }
        }
        for (Bench.Crossover x : o.crossovers()) {
            out.println("crossover: " + x.note());
        }
        if (o.crossovers().isEmpty() && o.devices().size() == 1 && o.devices().containsKey("cpu")) {
            out.println("crossover: no GPU backend measured, nothing to compare with the CPU");
        }
    }

    static Map<String, Object> json(Outcome o, Bench.Config c) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("tool", "sigbatch bench");
        root.put("timestamp", Instant.now().toString());
        root.put("machine", MachineInfo.machine());
        root.put("jdk", MachineInfo.jdk());
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("dtype", Converters.shortName(c.dtype()));
        settings.put("ops", c.ops().stream().map(op -> op.label()).toList());
        settings.put("sizes", java.util.Arrays.stream(c.sizes()).boxed().toList());
        settings.put("repeat", c.repeat());
        settings.put("warmup_seconds", c.warmupSeconds());
        settings.put("warmup_criterion", String.format(Locale.ROOT, "median of the last %d samples within %.0f%% of the %d before, at most warmup_seconds",
                BenchWarmup.WINDOW, 100 * BenchWarmup.TOLERANCE, BenchWarmup.WINDOW));
        root.put("settings", settings);
        List<Object> backends = new ArrayList<>();
        o.devices().forEach((id, dev) -> {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("backend", id);
            b.put("available", true);
            b.put("device", dev);
            backends.add(b);
        });
        o.skipped().forEach((id, why) -> {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("backend", id);
            b.put("available", false);
            b.put("reason", why);
            backends.add(b);
        });
        root.put("backends", backends);
        List<Object> results = new ArrayList<>();
        for (Result r : o.results()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", r.backend());
            m.put("device", r.device());
            m.put("op", r.op().label());
            m.put("dtype", Converters.shortName(r.dtype()));
            m.put("size", r.size());
            m.put("median_seconds", r.median());
            m.put("min_seconds", r.min());
            m.put("max_seconds", r.max());
            m.put("p25_seconds", r.p25());
            m.put("p75_seconds", r.p75());
            m.put("repeats", r.repeats());
            m.put("calls_per_sample", r.callsPerSample());
            m.put("elements_per_second", r.elementsPerSecond());
            m.put("gb_per_second", r.gbPerSecond());
            m.put("transfer_seconds", r.transfer());
            m.put("kernel_seconds", r.kernel());
            m.put("speedup_vs_cpu", o.speedup(r));
            m.put("fallbacks", r.fallbacks());
            m.put("warmup_spent_seconds", r.warmup().seconds());
            m.put("warmup_stable", r.warmup().stable());
            results.add(m);
        }
        root.put("results", results);
        List<Object> xs = new ArrayList<>();
        for (Bench.Crossover x : o.crossovers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", x.backend());
            m.put("op", x.op().label());
            m.put("dtype", Converters.shortName(x.dtype()));
            m.put("size", x.size());
            m.put("note", x.note());
            xs.add(m);
        }
        root.put("crossovers", xs);
        return root;
    }

    static final List<String> CSV_COLUMNS = List.of("backend", "device", "op", "dtype", "size", "median_seconds", "min_seconds", "max_seconds",
            "p25_seconds", "p75_seconds", "repeats", "elements_per_second", "gb_per_second", "transfer_seconds", "kernel_seconds",
            "speedup_vs_cpu", "fallbacks", "warmup_spent_seconds", "warmup_stable", "os", "arch", "cpu_model", "cores", "memory_bytes", "jdk");

    static String csv(Outcome o) {
        StringBuilder sb = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        Map<String, Object> mach = MachineInfo.machine();
        for (Result r : o.results()) {
            List<Object> row = List.of(r.backend(), r.device(), r.op().label(), Converters.shortName(r.dtype()), r.size(), r.median(), r.min(), r.max(),
                    r.p25(), r.p75(), r.repeats(), r.elementsPerSecond(), r.gbPerSecond(), r.transfer(), r.kernel(), o.speedup(r), r.fallbacks(),
                    r.warmup().seconds(), r.warmup().stable(), mach.get("os"), mach.get("arch"), mach.get("cpu_model"), mach.get("cores"),
                    mach.get("memory_bytes"), MachineInfo.jdk());
            List<String> cells = new ArrayList<>();
            for (Object v : row) {
                cells.add(cell(v));
            }
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    private static String cell(Object v) {
        if (v instanceof Double d) {
            return Double.isFinite(d) ? Double.toString(d) : "";
        }
        String s = String.valueOf(v);
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    /** Throughput against size, both axes logarithmic, one line per backend and op. */
    static XYChart chart(Outcome o, Bench.Config c) {
        XYChart chart = new XYChartBuilder().width(PLOT_WIDTH).height(PLOT_HEIGHT)
                .title("sigbatch throughput, " + c.dtype() + " (" + MachineInfo.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores)")
                .xAxisTitle("batch size (elements, log scale)")
                .yAxisTitle("throughput (elements/s, log scale)")
                .build();
        var st = chart.getStyler();
        st.setXAxisLogarithmic(true);
        st.setYAxisLogarithmic(true);
        st.setLegendPosition(Styler.LegendPosition.OutsideE); // never over the data
        st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotGridLinesVisible(true);
        st.setMarkerSize(8);
        // no tick formatting functions: XChart 3.8.8 then ignores the logarithmic axes when placing ticks
        Map<String, List<Result>> series = new LinkedHashMap<>();
        for (Result r : o.results()) {
            series.computeIfAbsent(r.backend() + " " + r.op().label(), k -> new ArrayList<>()).add(r);
        }
        Color[] palette = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};
        Map<String, Color> backendColor = new LinkedHashMap<>();
        Map<String, Integer> opIndex = new LinkedHashMap<>();
        for (var e : series.entrySet()) {
            Result first = e.getValue().get(0);
            Color col = backendColor.computeIfAbsent(first.backend(), b -> palette[backendColor.size() % palette.length]);
            int oi = opIndex.computeIfAbsent(first.op().label(), k -> opIndex.size());
            double[] x = e.getValue().stream().mapToDouble(r -> r.size()).toArray();
            double[] y = e.getValue().stream().mapToDouble(Result::elementsPerSecond).toArray();
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setLineColor(col);
            s.setMarkerColor(col);
            s.setMarker(switch (oi % 4) {
                case 0 -> SeriesMarkers.CIRCLE;
                case 1 -> SeriesMarkers.SQUARE;
                case 2 -> SeriesMarkers.DIAMOND;
                default -> SeriesMarkers.TRIANGLE_UP;
            });
            // one line style per op, one colour per backend
            s.setLineStyle(oi == 0 ? new BasicStroke(2f) : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                    oi == 1 ? new float[] {8f, 5f} : new float[] {2f, 4f}, 0f));
        }
        // whole decades on both axes, so that there are tick labels to read the values against
        double[] xr = range(o.results().stream().mapToDouble(r -> r.size()).toArray());
        double[] yr = range(o.results().stream().mapToDouble(Result::elementsPerSecond).toArray());
        if (xr != null && yr != null) {
            st.setXAxisMin(xr[0]);
            st.setXAxisMax(xr[1]);
            st.setYAxisMin(yr[0]);
            st.setYAxisMax(yr[1]);
        }
        return chart;
    }

    /** Powers of ten around the positive finite values, or null if there are none. */
    private static double[] range(double[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (double d : v) {
            if (d > 0 && Double.isFinite(d)) {
                lo = Math.min(lo, d);
                hi = Math.max(hi, d);
            }
        }
        if (hi == 0) {
            return null;
        }
        double a = Math.pow(10, Math.floor(Math.log10(lo)));
        double b = Math.pow(10, Math.ceil(Math.log10(hi)));
        return new double[] {a, b > a ? b : a * 10};
    }

    static void writePlot(Outcome o, Bench.Config c, Path file, String option) throws IOException {
        byte[] png = BitmapEncoder.getBitmapBytes(chart(o, c), BitmapEncoder.BitmapFormat.PNG);
        AtomicOutput.write(file, option, png);
    }

    static void writeJson(Outcome o, Bench.Config c, Path file, String option) throws IOException {
        AtomicOutput.write(file, option, Json.write(json(o, c)).getBytes(StandardCharsets.UTF_8));
    }

    static void writeCsv(Outcome o, Path file, String option) throws IOException {
        AtomicOutput.write(file, option, csv(o).getBytes(StandardCharsets.UTF_8));
    }
}
