#!/usr/bin/env bash
# The library's first call on 16M float32 elements against its steady state, each run in a fresh JVM,
# the three warm-up modes interleaved (auto: background warm-up; warmup: Sigmoid.warmUp() first;
# off: cpu.warmup=off). Prints every run and the medians; RUNS=5 by default, N=16777216.
# Usage: scripts/first-call.sh [RUNS]   (after make build; writes nothing)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jdk="$("$root/scripts/find-jdk")"
jar="$root/java/bench/target/benchmarks.jar"
[ -f "$jar" ] || { echo "first-call: $jar not found; run make build" >&2; exit 1; }
runs="${1:-5}"
n="${N:-16777216}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "# first-call: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $("$jdk/bin/java" -version 2>&1 | head -1); runs=$runs n=$n; load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  for mode in auto warmup off; do
    "$jdk/bin/java" --add-modules jdk.incubator.vector -Xlog:disable -Xlog:all=warning:stderr -cp "$jar" org.sigbatch.bench.FirstCall "$mode" "$n" 2>/dev/null | tee -a "$out"
  done
done
python3 - "$out" <<'PY' || awk '{print}' "$out"
import re, statistics, sys
rows = [dict(re.findall(r'(\w+)=("[^"]*"|\S+)', l)) for l in open(sys.argv[1])]
for mode in ("auto", "warmup", "off"):
    rs = [r for r in rows if r.get("mode") == mode]
    if not rs:
        continue
    f = lambda k: [float(r[k]) for r in rs]
    med = lambda k: statistics.median(f(k))
    print(f"{mode:7s} median of {len(rs)}: first call {med('first_call_s'):.3f} s (range {min(f('first_call_s')):.3f}-{max(f('first_call_s')):.3f}), "
          f"steady {med('steady_call_s'):.4f} s, first/steady {med('ratio'):.2f}x, warmUp() {med('warmup_s'):.3f} s")
PY
