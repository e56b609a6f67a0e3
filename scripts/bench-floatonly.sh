#!/usr/bin/env bash
# float32 ACCURATE kernels: floatonly vs f64inside vs the C loop vs copy, at both SIMD widths, interleaved:
# per round, AVX-512 (the JVM's default here) then AVX2 (-XX:UseAVX=2; C yardstick built -mno-avx512f).
# Environment: JAVA, ROUNDS (default 2), SIZE (default 16777216), THREADS (default: all cores), OUT,
# JMH_OPTS, JMH_IGNORE_LOCK=1. Needs java/bench/target/benchmarks.jar (make build). Table: scripts/bench-floatonly-table.py.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
ROUNDS=${ROUNDS:-2}
SIZE=${SIZE:-16777216}
THREADS=${THREADS:-$(nproc)}
OUT=${OUT:-results/bench-floatonly-$(date +%Y%m%d-%H%M)}
JAR=java/bench/target/benchmarks.jar
JMH_OPTS=${JMH_OPTS:-"-f 1 -wi 10 -w 3s -i 5 -r 1s"}  # under load C2 needs > 30 s for these loops
BENCHES=${BENCHES:-'TierBench\.(accurateF64inside|accurateFloatonly)(Sigmoid|Fused)|TierBench\.copy'}
LOCK=${JMH_IGNORE_LOCK:+-Djmh.ignoreLock=true}
mkdir -p "$OUT" java/bench/target
${CC:-gcc} -O3 -march=native -ffast-math -fopenmp -o java/bench/target/yardstick-avx512 java/bench/c/yardstick.c -lm
${CC:-gcc} -O3 -march=native -mno-avx512f -ffast-math -fopenmp -o java/bench/target/yardstick-avx2 java/bench/c/yardstick.c -lm
{
    echo "date: $(date -Is)"
    lscpu | grep -E '^(Model name|CPU\(s\))'
    grep -o -w -E 'avx2|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
    echo "jdk: $("$JAVA" -version 2>&1 | tr '\n' ' ')"
    echo "rounds: $ROUNDS; size: $SIZE; threads: $THREADS; JMH: $JMH_OPTS; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"
echo "round,width,source,op,n,threads,seconds" > "$OUT/c.csv"
for round in $(seq 1 "$ROUNDS"); do
    for width in avx512 avx2; do
        for op in copy sigmoid fused; do
            "java/bench/target/yardstick-$width" "$op" "$SIZE" "$THREADS" 7 | sed "s/^/$round,$width,/" >> "$OUT/c.csv"
        done
        JVMX=""
        [ "$width" = avx2 ] && JVMX="-jvmArgsAppend -XX:UseAVX=2"
        echo "== round $round $width (load $(cut -d' ' -f1 /proc/loadavg))"
        "$JAVA" $LOCK --add-modules jdk.incubator.vector -cp "$JAR" org.openjdk.jmh.Main \
            "$BENCHES" -p size="$SIZE" -p threads="$THREADS" \
            $JMH_OPTS $JVMX -rf json -rff "$OUT/jmh-r$round-$width.json" > "$OUT/jmh-r$round-$width.log" 2>&1 \
            || { echo "JMH failed, see $OUT/jmh-r$round-$width.log" >&2; exit 1; }
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
