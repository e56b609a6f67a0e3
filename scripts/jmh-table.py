#!/usr/bin/env python3
"""Turns a JMH JSON result (avgt, us/op, @Param size) into a Markdown table of Gelem/s with the range
of the 99.9% confidence interval, as used in BENCHMARKS.md. Usage: scripts/jmh-table.py results/jmh-cpu.json"""
import json, sys

rows, sizes = {}, set()
for r in json.load(open(sys.argv[1])):
    name = r["benchmark"].split(".")[-1]
    n = int(r["params"]["size"])
    m = r["primaryMetric"]
    rows.setdefault(name, {})[n] = (m["score"], m["scoreError"])
    sizes.add(n)
sizes = sorted(sizes)
label = lambda n: f"{n >> 20}M" if n >= 1 << 20 else f"{n >> 10}K"
print("| benchmark | " + " | ".join(label(n) for n in sizes) + " |")
print("|---" * (len(sizes) + 1) + "|")
for name, by in rows.items():
    cells = []
    for n in sizes:
        s, e = by[n]
        g = lambda t: n / t / 1e3  # us/op -> Gelem/s
        cells.append(f"{g(s):.2f} ({g(s + e):.2f}–{g(max(s - e, 1e-9)):.2f})")
    print(f"| {name} | " + " | ".join(cells) + " |")
