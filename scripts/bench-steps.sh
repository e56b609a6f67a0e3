#!/usr/bin/env bash
# Cost of each step of the σ kernels per element, in cache (StepCost), beside the C loops in cache.
# Called by `make bench-steps`; writes OUT/steps.csv (kernel,stage,step,ns_per_element,check) and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
OUT=${OUT:-results/bench-steps-$(date +%Y%m%d-%H%M)}
JAR=${JAR:-java/bench/target/benchmarks.jar}
YARD=java/bench/target/yardstick
mkdir -p "$OUT"
echo "kernel,stage,step,ns_per_element,check" > "$OUT/steps.csv"
for k in fast f64inside; do
    for s in 0 1 2 3 4 5 6; do
        "$JAVA" -Xbatch --add-modules jdk.incubator.vector -Dkernel=$k -Dstage=$s -cp "$JAR" org.sigbatch.bench.StepCost 2>/dev/null >> "$OUT/steps.csv"
    done
done
for op in copy sigmoid fused; do # the fastest of 20000 passes over 64K floats, one thread
    "$YARD" "$op" 65536 1 20000 | awk -F, -v op="$op" 'NR == 1 || $5 < m { m = $5 } END { printf "C,%s,%s,%.4f,\n", op, op, m / 65536 * 1e9 }' >> "$OUT/steps.csv"
done
python3 - "$OUT/steps.csv" <<'PY' | tee "$OUT/steps.md"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
c = {r["step"]: float(r["ns_per_element"]) for r in rows if r["kernel"] == "C"}
print("ns per element, one thread, 64K floats in cache (fastest call):\n")
print("| step | FAST: total | FAST: this step | f64inside: total | f64inside: this step |\n|---|---|---|---|---|")
k = {kn: [float(r["ns_per_element"]) for r in rows if r["kernel"] == kn] for kn in ("fast", "f64inside")}
steps = [r["step"] for r in rows if r["kernel"] == "fast"]
for i, s in enumerate(steps):
    f, d = k["fast"], k["f64inside"]
    print(f"| {s} | {f[i]:.3f} | {f[i] - (f[i-1] if i else 0):+.3f} | {d[i]:.3f} | {d[i] - (d[i-1] if i else 0):+.3f} |")
print(f"\nC, same conditions: copy {c.get('copy', 0):.3f}, 1/(1+expf(-x)) {c.get('sigmoid', 0):.3f}, fused {c.get('fused', 0):.3f} ns per element")
PY
