#!/usr/bin/env bash
# Staging throughput (StagingBench) against a memcpy on the same threads, in interleaved rounds:
# per round and thread count, the memcpy ceiling then the pipeline at each chunk size, so each
# ratio comes from one round. Writes OUT/*.json, OUT/machine.txt and OUT/table.md.
#   JMH_ITER ("-wi 2 -w 1s -i 3 -r 1s"), ROUNDS (3), THREADS ("1 2 4"), CHUNKS ("1,4,16" MiB), SIZE (33554432), JAVA, JMH_IGNORE_LOCK=1
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-results/staging-$(date -u +%Y%m%d)}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-"1 2 4"}
CHUNKS=${CHUNKS:-"1,4,16"}
SIZE=${SIZE:-33554432}
JAVA=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
JAR=java/bench/target/benchmarks.jar
LOCK=${JMH_IGNORE_LOCK:+-Djmh.ignoreLock=true}
[ -f "$JAR" ] || { echo "staging-bench: $JAR missing (mvn -pl java/bench -am package -DskipTests)" >&2; exit 2; }
mkdir -p "$OUT"
{ lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Socket|NUMA node\(s\)|L3'; grep -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' '; echo;
  "$JAVA" -version 2>&1 | head -2; free -g | head -2; uptime; } > "$OUT/machine.txt"
JMH="-f 1 ${JMH_ITER:--wi 2 -w 1s -i 3 -r 1s} -p size=$SIZE -rf json"
for r in $(seq 1 "$ROUNDS"); do
  for t in $THREADS; do
    echo "round $r threads $t" >&2
    "$JAVA" $LOCK -jar "$JAR" 'StagingBench.memcpy' $JMH -p threads="$t" -p chunkMiB=16 -rff "$OUT/r$r-t$t-memcpy.json" > "$OUT/r$r-t$t-memcpy.log" 2>&1
    "$JAVA" $LOCK -jar "$JAR" 'StagingBench.staging' $JMH -p threads="$t" -p chunkMiB="$CHUNKS" -rff "$OUT/r$r-t$t-staging.json" > "$OUT/r$r-t$t-staging.log" 2>&1
  done
done
uptime >> "$OUT/machine.txt"
python3 scripts/staging-table.py "$OUT" > "$OUT/table.md"
cat "$OUT/table.md"
