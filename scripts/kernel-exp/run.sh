#!/usr/bin/env bash
# Why the float-only ACCURATE kernel is slow on the CPU (issue 9): times the sigma loops of the float-only and
# double-inside kernels, generated from their sources with 1, 2 and 4 interleaved vectors (generate.py), at the
# JVM's default width and at -XX:UseAVX=2, beside the shipped FAST kernel and the C yardstick, one thread, in
# cache. With hsdis on the library path (Debian: libhsdis0-fcml, copied as hsdis-amd64.so) it also saves the
# compiled sigma loops. Env: JAVA, N (default 1048576), PASSES (default 300), OUT. Needs `make build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA=${JAVA:-java}
JAVAC=${JAVAC:-$(dirname "$(readlink -f "$(command -v "$JAVA")")")/javac}
N=${N:-1048576}
PASSES=${PASSES:-300}
OUT=${OUT:-results/kernel-exp-$(date +%Y%m%d-%H%M)}
CORE=$(ls java/core/target/sigbatch-core-*-SNAPSHOT.jar | grep -v tests | head -1)
B=java/bench/target/kernel-exp
rm -rf "$B" && mkdir -p "$B/src" "$B/classes" "$OUT"
python3 scripts/kernel-exp/generate.py java/core/src/main/java/org/sigbatch/cpu/simd "$B/src/org/sigbatch/cpu/simd"
"$JAVAC" -nowarn --add-modules jdk.incubator.vector -cp "$CORE" -d "$B/classes" "$B"/src/org/sigbatch/cpu/simd/*.java scripts/kernel-exp/KernelExp.java 2>&1 | grep -v -e 'incubator' -e '^1 warning' || true
{
    echo "date: $(date -Is); $(lscpu | grep -E '^Model name' | tr -s ' '); $(grep -m1 'cpu family' /proc/cpuinfo | tr -s '\t ' ' ')"
    echo "jdk: $("$JAVA" -version 2>&1 | head -2 | tail -1); n=$N floats, one thread, $PASSES interleaved passes; load $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"
gcc -O3 -march=native -ffast-math -fopenmp -o "$B/yardstick" java/bench/c/yardstick.c -lm
for width in default avx2; do
    X=""; [ "$width" = avx2 ] && X="-XX:UseAVX=2"
    "$JAVA" $X --add-modules jdk.incubator.vector -cp "$B/classes:$CORE" KernelExp "$N" "$PASSES" 2>/dev/null | sed "1!s/^/$width,/; 1s/^/width,/" > "$OUT/java-$width.csv"
    cat "$OUT/java-$width.csv"
done
for op in copy sigmoid; do # C: the fastest of PASSES passes, same n, one thread
    "$B/yardstick" "$op" "$N" 1 "$PASSES" | awk -F, -v op="$op" -v n="$N" 'NR == 1 || $5 < m { m = $5 } END { printf "C,%s,%.4f\n", op, m / n * 1e9 }'
done | tee "$OUT/c.csv"
if [ -n "${HSDIS_DIR:-}" ]; then # the compiled sigma loops, float-only and double-inside, u1
    for k in FloatOnlyExp F64InsideExp; do
        LD_LIBRARY_PATH="$HSDIS_DIR" "$JAVA" -XX:+UnlockDiagnosticVMOptions -XX:-TieredCompilation \
            "-XX:CompileCommand=print,org.sigbatch.cpu.simd.$k::sig1" --add-modules jdk.incubator.vector \
            -cp "$B/classes:$CORE" KernelExp 262144 50 > "$OUT/print-$k.txt" 2>/dev/null || true
    done
fi
