#!/usr/bin/env bash
# Issue 12's rule "JMH at 4K and 16M within noise of before": the facade benchmarks of the commit before the
# architecture merge (A) and of the merge itself (B), interleaved A B A B so that a busy machine's drift hits
# both alike. Usage: scripts/arch-bench-ab.sh BEFORE.jar AFTER.jar OUTDIR   (jars: java/bench's benchmarks.jar
# built at a693cab and at 4a6c82d).
set -euo pipefail
A=$1; B=$2; OUT=$3; mkdir -p "$OUT"
J="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
for round in 1 2; do
  for side in A B; do
    jar=$A; [ "$side" = B ] && jar=$B
    "$J" --add-modules jdk.incubator.vector -jar "$jar" 'CpuBench.engine(1ThreadSigmoid|2ThreadsFused)' \
      -p size=4096,16777216 -f 1 -wi 5 -w 1 -i 8 -r 1 -foe true -rf json -rff "$OUT/$side-$round.json" > "$OUT/$side-$round.txt" 2>&1
  done
done
