#!/usr/bin/env python3
"""Table of StagingBench rounds (scripts/staging-bench.sh): GB/s moved (in + out) and staging/memcpy ratio per round."""
import glob, json, os, re, statistics, sys

out = sys.argv[1]
rows = {}   # (threads, chunk) -> {round: GB/s}
ceil = {}   # threads -> {round: GB/s}
for path in sorted(glob.glob(os.path.join(out, "r*-t*-*.json"))):
    r = int(re.search(r"/r(\d+)-", path).group(1))
    for b in json.load(open(path)):
        p = b["params"]
        size, t = int(p["size"]), int(p["threads"])
        ms = b["primaryMetric"]["score"]
        gbs = 2 * size * 4 / (ms / 1e3) / 1e9
        if b["benchmark"].endswith(".memcpy"):
            ceil.setdefault(t, {})[r] = gbs
        else:
            rows.setdefault((t, int(p["chunkMiB"])), {})[r] = gbs

def fmt(v):
    return f"{statistics.median(v):.2f} ({min(v):.2f}–{max(v):.2f})"

print("| threads | chunk | staging GB/s | memcpy GB/s | staging / memcpy |")
print("|---:|---:|---:|---:|---:|")
for (t, c) in sorted(rows):
    s = rows[(t, c)]
    m = ceil.get(t, {})
    ratios = [s[r] / m[r] for r in s if r in m]
    print(f"| {t} | {c} MiB | {fmt(list(s.values()))} | {fmt(list(m.values())) if m else '–'} | {fmt(ratios) if ratios else '–'} |")
print()
print(f"GB/s: bytes read from the caller plus bytes written back (2 × 4 B × size) per second; median (min–max) over {len(set(r for v in rows.values() for r in v))} rounds; ratios within a round.")
