#!/usr/bin/env python3
"""Side-by-side table of a `make bench-vs-c` run (scripts/bench-vs-c.sh): the C yardstick and the JMH CPU
benchmarks per size and thread count, as Gelem/s medians with the min-max spread over every timed pass or
JMH iteration of every round. Ratios against the C loop and the C copy loop of the same size and threads
are taken within each round (the C loops run just before the JMH fork of that round), then the median
over rounds is shown with the range over rounds: on a shared machine the load drifts between rounds.
Usage: scripts/bench-table.py results/bench-vs-c-<date>"""
import csv, glob, json, os, statistics, sys

out = sys.argv[1]
import re

samples = {}  # (variant, n, threads) -> [elements per second]
by_round = {}  # (variant, n, threads, round) -> [elements per second]

def add(variant, n, t, eps, rnd):
    samples.setdefault((variant, n, t), []).append(eps)
    by_round.setdefault((variant, n, t, rnd), []).append(eps)

for row in csv.DictReader(open(os.path.join(out, "c.csv"))):
    n, t, s = int(row["n"]), int(row["threads"]), float(row["seconds"])
    add("C " + row["op"], n, t, n / s, int(row["round"]))

def runs(pattern):
    """(round, result) of JMH result files; one still being written (empty) is skipped."""
    for f in sorted(glob.glob(os.path.join(out, pattern))):
        rnd = int(re.search(r"-r(\d+)", os.path.basename(f)).group(1))
        try:
            for r in json.load(open(f)):
                yield rnd, r
        except json.JSONDecodeError:
            print(f"(skipped {os.path.basename(f)}: not complete)", file=sys.stderr)

for rnd, r in runs("jmh-r*-n*-t*.json"):
    if True:
        name = r["benchmark"].split(".")[-1]
        n, t = int(r["params"]["size"]), int(r["params"]["threads"])
        unit = r["primaryMetric"]["scoreUnit"]
        scale = {"ms/op": 1e-3, "us/op": 1e-6, "s/op": 1.0}[unit]
        for fork in r["primaryMetric"]["rawData"]:
            for score in fork:
                add(name, n, t, n / (score * scale), rnd)

def med(k):
    v = samples.get(k)
    return statistics.median(v) if v else None

def cell(k):
    v = samples.get(k)
    if not v:
        return "–"
    return f"{statistics.median(v) / 1e9:.2f} ({min(v) / 1e9:.2f}–{max(v) / 1e9:.2f})"

def round_ratios(a, b):
    """Per-round ratio of medians of a to b (same size and threads)."""
    rs = []
    for (v, n, t, rnd), xs in by_round.items():
        if (v, n, t) == a and (b[0], n, t, rnd) in by_round:
            rs.append(statistics.median(xs) / statistics.median(by_round[(b[0], n, t, rnd)]))
    return rs

def ratio(a, b):
    rs = round_ratios(a, b)
    if not rs:
        return "–"
    return f"{statistics.median(rs):.2f}×" + (f" ({min(rs):.2f}–{max(rs):.2f})" if len(rs) > 1 else "")

SIGMA = [("C copy", "C loop y[i] = x[i] (-O3, OpenMP)"), ("copy", "Java System.arraycopy, same threads"),
         ("C sigmoid", "C 1/(1+expf(−x)), libmvec (2–4 ULP, flushes subnormals)"),
         ("accurateF64insideSigmoid", "ACCURATE, double inside (simd f64inside, ≤ 0.501 ULP)"),
         ("accurateFloatonlySigmoid", "ACCURATE, float-only (simd floatonly, ≤ 0.501 ULP)"),
         ("fastSigmoid", "FAST (simd fast, σ ≤ 3 ULP)"),
         ("naiveSigmoid", "Java naive 1/(1+Math.exp(−x))")]
FUSED = [("C fused", "C σ and σ(1−σ), libmvec"),
         ("accurateF64insideFused", "ACCURATE fused, double inside"),
         ("accurateFloatonlyFused", "ACCURATE fused, float-only"),
         ("fastFused", "FAST fused (σ' ≤ 2.5 ULP)"),
         ("naiveFused", "Java naive σ and σ(1−σ)")]
sizes = sorted({k[1] for k in samples if not k[0].startswith("F64")})
threads = sorted({k[2] for k in samples})
lab = lambda n: f"{n >> 20}M" if n >= 1 << 20 else f"{n >> 10}K"

print("Gelem/s: median (min–max) over every pass or iteration of every round. Ratios: median (min–max) over rounds of the\n"
      "ratio of medians within a round, against the C loop (σ or fused) and the C copy loop of the same size and threads.\n")
for n in sizes:
    print(f"### {lab(n)} float32 elements\n")
    head = "| loop |" + "".join(f" {t} thr Gelem/s | vs C | vs C copy |" for t in threads)
    print(head)
    print("|---" * (1 + 3 * len(threads)) + "|")
    for rows, yard in ((SIGMA, "C sigmoid"), (FUSED, "C fused")):
        for key, label in rows:
            if not any((key, n, t) in samples for t in threads):
                continue
            cells = "".join(f" {cell((key, n, t))} | {ratio((key, n, t), (yard, n, t))} | {ratio((key, n, t), ('C copy', n, t))} |"
                            for t in threads)
            print(f"| {label} |{cells}")
    print()

# the targets, on the most threads measured
tmax = max(threads)
print(f"### Targets ({tmax} threads)\n")
print("| target | measured | met |\n|---|---|---|")
def target(text, a, b, want):
    rs = round_ratios(a, b)
    if not rs:
        print(f"| {text} | – | – |")
        return
    m = statistics.median(rs)
    print(f"| {text} | {m:.2f}× (rounds {min(rs):.2f}–{max(rs):.2f}) | {'yes' if m >= want else 'no'} |")
n16, n64 = 16777216, 67108864
best_acc = lambda n, op: max((k for k in (f"accurateF64inside{op}", f"accurateFloatonly{op}") if med((k, n, tmax))),
                             key=lambda k: med((k, n, tmax)), default=f"accurateF64inside{op}")
target("ACCURATE σ, 16M ≥ 1.0× C σ", (best_acc(n16, "Sigmoid"), n16, tmax), ("C sigmoid", n16, tmax), 1.0)
target("FAST σ, 16M ≥ 1.2× C σ", ("fastSigmoid", n16, tmax), ("C sigmoid", n16, tmax), 1.2)
target("ACCURATE σ, 64M ≥ 0.85× C copy", (best_acc(n64, "Sigmoid"), n64, tmax), ("C copy", n64, tmax), 0.85)
target("FAST σ, 64M ≥ 0.85× C copy", ("fastSigmoid", n64, tmax), ("C copy", n64, tmax), 0.85)
target("ACCURATE fused, 16M ≥ 1.0× C fused", (best_acc(n16, "Fused"), n16, tmax), ("C fused", n16, tmax), 1.0)

f64 = {}  # (name, n, round) -> [elements per second]
for rnd, r in runs("jmh-f64-r*.json"):
    name = r["benchmark"].split(".")[-1]
    n = int(r["params"]["size"])
    scale = {"ms/op": 1e-3, "us/op": 1e-6}[r["primaryMetric"]["scoreUnit"]]
    for fork in r["primaryMetric"]["rawData"]:
        for score in fork:
            f64.setdefault((name, n, rnd), []).append(n / (score * scale))
if f64:
    print("\n### float64, 1 thread\n")
    print("| loop | size | Melem/s median (min–max) | vs naive (rounds) |\n|---|---|---|---|")
    names = sorted({(k[0], k[1]) for k in f64}, key=lambda k: (k[1], "Fused" in k[0], k[0]))
    for name, n in names:
        v = [e for k, xs in f64.items() if k[:2] == (name, n) for e in xs]
        base = "naiveFused" if "Fused" in name else "naiveSigmoid"
        rs = [statistics.median(xs) / statistics.median(f64[(base, n, k[2])]) for k, xs in f64.items()
              if k[:2] == (name, n) and (base, n, k[2]) in f64]
        rt = f"{statistics.median(rs):.2f}× ({min(rs):.2f}–{max(rs):.2f})" if rs else "–"
        print(f"| {name} | {lab(n)} | {statistics.median(v) / 1e6:.0f} ({min(v) / 1e6:.0f}–{max(v) / 1e6:.0f}) | {rt} |")
    rs = [statistics.median(xs) / statistics.median(f64[("naiveSigmoid", k[1], k[2])]) for k, xs in f64.items()
          if k[0] == "simdSigmoid" and ("naiveSigmoid", k[1], k[2]) in f64]
    if rs:
        m = statistics.median(rs)
        print(f"\nfloat64 target, ACCURATE σ ≥ 2× naive: {m:.3f}× (rounds {min(rs):.2f}–{max(rs):.2f}; {'met' if m >= 2 else 'not met'})")
