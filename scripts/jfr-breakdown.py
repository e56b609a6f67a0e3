#!/usr/bin/env python3
"""Where the CPU time goes in a JFR recording: execution samples grouped by the innermost frame
that belongs to a known part (sigbatch kernel, sigbatch's Spark loop, Spark row conversion, Parquet
decode, ...). Usage: jfr print --events jdk.ExecutionSample --stack-depth 64 rec.jfr | jfr-breakdown.py"""
import re
import sys
from collections import Counter

# Frames that only pass control on (iterator wrappers, the JDK): look further out.
GLUE = re.compile(r"^(scala\.|java\.|jdk\.internal\.misc\.|sun\.)")
# First match wins, checked from the innermost frame outwards.
PARTS = [
    ("sigbatch kernel (CPU engine)", re.compile(r"^(org\.sigbatch\.cpu|jdk\.incubator\.vector|jdk\.internal\.vm\.vector|jdk\.internal\.foreign)")),
    ("sigbatch facade", re.compile(r"^org\.sigbatch\.[A-Z]|^org\.sigbatch\.(internal|spi)")),
    ("sigbatch Spark loop (chunk fill, row arena, results)", re.compile(r"^org\.sigbatch\.spark")),
    ("Parquet decode and file reads", re.compile(r"^(org\.apache\.parquet|shaded\.parquet|org\.apache\.spark\.sql\.execution\.datasources\.parquet|org\.apache\.hadoop|org\.xerial\.snappy)")),
    ("Spark column vectors (reads through ColumnVector)", re.compile(r"^org\.apache\.spark\.sql\.(vectorized|execution\.vectorized)")),
    ("Spark external Row conversion and UDF calls", re.compile(r"^org\.apache\.spark\.sql\.(Row|catalyst\.(encoders|expressions\.(ScalaUDF|objects|GenericRow))|api\.java)")),
    ("Spark sink loop (noop writer, its per-row metrics)",
     re.compile(r"^org\.apache\.spark\.(sql\.connector\.write|sql\.execution\.datasources\.(v2|noop)|util\.ArrayImplicits)")),
    ("Spark generated row loops, UnsafeRow writes, projections", re.compile(r"^(org\.apache\.spark\.sql\.catalyst|org\.apache\.spark\.sql\.execution|org\.apache\.spark\.unsafe)")),
    ("other Spark (scheduler, metrics, network)", re.compile(r"^org\.apache\.spark")),
]

def main():
    counts = Counter()
    total = 0
    for block in sys.stdin.read().split("jdk.ExecutionSample {")[1:]:
        m = re.search(r"stackTrace = \[(.*?)\n\s*\]", block, re.S)
        if not m:
            continue
        frames = [l.strip() for l in m.group(1).split("\n") if l.strip() and l.strip() != "..."]
        part = "JDK or Scala library only"
        for f in frames:
            if GLUE.search(f) and not f.startswith("jdk.incubator"):
                continue
            part = next((name for name, rx in PARTS if rx.search(f)), "other (class loading, logging, codegen compiler, ...)")
            break
        counts[part] += 1
        total += 1
    for part, n in counts.most_common():
        print(f"{100.0 * n / total:5.1f}%  {part}")
    print(f"({total} samples)")

if __name__ == "__main__":
    main()
