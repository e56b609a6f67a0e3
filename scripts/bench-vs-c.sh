#!/usr/bin/env bash
# Runs the CPU benchmarks beside the C yardstick, interleaved, and writes raw output + a table.
# Called by `make bench-vs-c` (which builds the jar and the yardstick first). Environment:
#   JAVA (a JDK >= 21), ROUNDS (default 3), OUT (default results/bench-vs-c-<date>), SIZES, THREADS,
#   C_REPS, JMH_OPTS, JMH_IGNORE_LOCK=1 (run although another JMH holds /tmp/jmh.lock: shared machines),
#   EXTRA_CP (classes put before the jar, e.g. a kernel candidate built elsewhere: a folder or jar).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${JAVA:-java}
ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-"16777216 67108864"}
THREADS=${THREADS:-"1 2"}
OUT=${OUT:-results/bench-vs-c-$(date +%Y%m%d-%H%M)}
JAR=java/bench/target/benchmarks.jar
YARD=java/bench/target/yardstick
C_REPS=${C_REPS:-7}
JMH_OPTS=${JMH_OPTS:-"-f 1 -wi 8 -w 2s -i 5 -r 1s"}  # the Vector API loops need 8-10 s of warm-up (C2), even on an idle machine
# JMH refuses to start while another JMH runs (its lock): on a shared machine set JMH_IGNORE_LOCK=1
LOCK=${JMH_IGNORE_LOCK:+-Djmh.ignoreLock=true}
mkdir -p "$OUT"

CP="$JAR"
if [ -n "${EXTRA_CP:-}" ]; then
    CP="$EXTRA_CP:$JAR"
fi
# the float-only ACCURATE candidate only where this build has it
TIER='TierBench\.(accurateF64inside|fast|naive|copy)'
# (grep without -q: -q would close the pipe early and, under pipefail, unzip's SIGPIPE would read as "absent")
if unzip -l "$JAR" | grep 'org/sigbatch/cpu/simd/VectorF32FloatOnlyKernels.class' >/dev/null \
        || { [ -n "${EXTRA_CP:-}" ] && find ${EXTRA_CP//:/ } -name 'VectorF32FloatOnlyKernels.class' 2>/dev/null | grep -q .; }; then
    TIER='TierBench\.(accurateF64inside|accurateFloatonly|fast|naive|copy)'
fi

{
    echo "date: $(date -Is)"
    echo "host: $(hostname)"
    lscpu | grep -E '^(Model name|CPU\(s\)|Flags)' | sed 's/^Flags:.*\(avx512f\).*/Flags: ... avx512f .../; s/^Flags:.*avx2.*/Flags: ... avx2 (no avx512f) .../'
    echo "jdk: $("$JAVA" -version 2>&1 | tr '\n' ' ')"
    echo "gcc: $(${CC:-gcc} --version | head -1)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rounds: $ROUNDS; sizes: $SIZES; threads: $THREADS; C reps: $C_REPS; JMH: $JMH_OPTS"
    echo "extra classes: ${EXTRA_CP:-none}; benchmarks: $TIER"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"
echo "round,source,op,n,threads,seconds" > "$OUT/c.csv"

for round in $(seq 1 "$ROUNDS"); do
    for n in $SIZES; do
        for t in $THREADS; do
            for op in copy sigmoid fused; do
                "$YARD" "$op" "$n" "$t" "$C_REPS" | sed "s/^/$round,/" >> "$OUT/c.csv"
            done
            echo "== round $round: JMH TierBench size=$n threads=$t (load $(cut -d' ' -f1 /proc/loadavg))"
            "$JAVA" $LOCK --add-modules jdk.incubator.vector -cp "$CP" org.openjdk.jmh.Main "$TIER" -p size="$n" -p threads="$t" $JMH_OPTS \
                -rf json -rff "$OUT/jmh-r$round-n$n-t$t.json" > "$OUT/jmh-r$round-n$n-t$t.log" 2>&1 \
                || { echo "JMH failed, see $OUT/jmh-r$round-n$n-t$t.log" >&2; exit 1; }
        done
    done
    echo "== round $round: JMH F64Bench"
    "$JAVA" $LOCK --add-modules jdk.incubator.vector -cp "$CP" org.openjdk.jmh.Main 'F64Bench\.(naive|accurate|simd)(Sigmoid|Fused)' -p size=4194304 $JMH_OPTS \
        -rf json -rff "$OUT/jmh-f64-r$round.json" > "$OUT/jmh-f64-r$round.log" 2>&1 \
        || { echo "JMH failed, see $OUT/jmh-f64-r$round.log" >&2; exit 1; }
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
python3 scripts/bench-table.py "$OUT" | tee "$OUT/table.md"
