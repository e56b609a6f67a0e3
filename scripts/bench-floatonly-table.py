#!/usr/bin/env python3
"""Table for scripts/bench-floatonly.sh: Gelem/s per round and width, and the ratios within each round."""
import csv, json, statistics, sys
from pathlib import Path

out = Path(sys.argv[1])
n = None
c = {}
for r in csv.DictReader(open(out / "c.csv")):
    c.setdefault((r["round"], r["width"], r["op"]), []).append(float(r["seconds"]))
    n = int(r["n"])
rows = []
for f in sorted(out.glob("jmh-r*-*.json")):
    rnd, width = f.stem.split("-")[1][1:], f.stem.split("-")[2]
    g = {}
    for b in json.load(open(f)):
        name = b["benchmark"].rsplit(".", 1)[1]
        ms = b["primaryMetric"]["score"]  # ms per call (AverageTime)
        g[name] = n / (ms * 1e-3) / 1e9
    cg = {op: n / statistics.median(v) / 1e9 for (r2, w2, op), v in c.items() if r2 == rnd and w2 == width}
    rows.append((rnd, width, g, cg))
print(f"size {n} float32 elements; Gelem/s (JMH mean per round; C: median of 7 passes)\n")
print("| round | width | floatonly σ | f64inside σ | C σ | floatonly fused | f64inside fused | C fused | Java copy | C copy | σ fo/f64 | fused fo/f64 | σ fo/C | fused fo/C | σ fo/copy |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for rnd, width, g, cg in sorted(rows, key=lambda t: (t[1], t[0])):
    fo, fi = g.get("accurateFloatonlySigmoid", float("nan")), g.get("accurateF64insideSigmoid", float("nan"))
    fof, fif = g.get("accurateFloatonlyFused", float("nan")), g.get("accurateF64insideFused", float("nan"))
    cp = g.get("copy", float("nan"))
    print(f"| {rnd} | {width} | {fo:.3f} | {fi:.3f} | {cg.get('sigmoid', float('nan')):.3f} | {fof:.3f} | {fif:.3f} | {cg.get('fused', float('nan')):.3f} | "
          f"{cp:.3f} | {cg.get('copy', float('nan')):.3f} | {fo / fi:.2f}× | {fof / fif:.2f}× | {fo / cg.get('sigmoid', float('nan')):.2f}× | "
          f"{fof / cg.get('fused', float('nan')):.2f}× | {fo / cp:.2f}× |")
