#!/usr/bin/env bash
# Runs on a GPU machine from the bundle that scripts/gpu-bundle builds (.gpu/): no Java, Maven or
# network needed there. Writes every log to $OUT (default ./out).
#   ./gpu-run.sh [all|info|tests|exhaustive|sanitizer|bench] ...   (default: all, in that order)
# Each stage fits in a few minutes; run them one by one where a command has a time limit.
# BENCH_ARGS overrides the JMH options (default: CudaBench, short warm-up and measurement).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/out}
mkdir -p "$OUT"
JAVA=$HERE/jre/bin/java
TMP=${TMPDIR:-/tmp}/sigbatch-gpu-$$
mkdir -p "$TMP"
JOPTS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED "-Djava.io.tmpdir=$TMP" -Xmx24g)
CP="$HERE/lib/sigbatch-core.jar:$HERE/lib/sigbatch-core-tests.jar:$HERE/lib/sigbatch-cuda.jar:$HERE/lib/sigbatch-cuda-tests.jar:$HERE/lib/jcuda.jar:$HERE/lib/jcuda-natives-driver.jar"
JUNIT=(-jar "$HERE/lib/junit-platform-console-standalone.jar" execute --class-path "$CP" --disable-banner --details=tree --fail-if-no-tests)
status=0

stage_info() {
  { date -u; uname -a; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,pcie.link.gen.max,pcie.link.width.max --format=csv,noheader 2>&1 || echo "nvidia-smi failed"; nvidia-smi 2>&1 | head -15; "$JAVA" -version 2>&1; } | tee "$OUT/info.txt"
}

# The CUDA suite with CUDA required: a missing GPU or driver fails instead of skipping.
stage_tests() {
  "$JAVA" "${JOPTS[@]}" -Dsigbatch.require=cuda -Dsigbatch.exhaustive=false -Dsigbatch.root="$HERE/root" \
    "${JUNIT[@]}" --select-package org.sigbatch.cuda --exclude-classname '.*Exhaustive.*' --reports-dir "$OUT/junit-tests" \
    > "$OUT/cuda-tests.log" 2>&1 || status=1
  tail -25 "$OUT/cuda-tests.log"
}

stage_exhaustive() {
  "$JAVA" "${JOPTS[@]}" -Dsigbatch.require=cuda -Dsigbatch.exhaustive=true -Dsigbatch.root="$HERE/root" \
    "${JUNIT[@]}" --select-class org.sigbatch.cuda.CudaExhaustiveTest --reports-dir "$OUT/junit-exhaustive" \
    > "$OUT/cuda-exhaustive.log" 2>&1 || status=1
  grep -E "CUDA exhaustive|tests (successful|failed)|AssertionError" "$OUT/cuda-exhaustive.log"
}

# compute-sanitizer memcheck over small batches (odd lengths, offsets, specials): slow, so small.
stage_sanitizer() {
  local cs
  cs=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda*/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
  if [ -z "$cs" ]; then
    echo "compute-sanitizer not found: memcheck skipped" | tee "$OUT/sanitizer.log"
    return
  fi
  "$cs" --tool memcheck --leak-check full --error-exitcode 3 --target-processes all \
    "$JAVA" "${JOPTS[@]}" -Dsigbatch.require=cuda -Dsigbatch.root="$HERE/root" "${JUNIT[@]}" \
    --select-method "org.sigbatch.cuda.CudaContractTest#specialValuesHaveTheirTrueAnswers(org.sigbatch.DType)" \
    --select-method org.sigbatch.cuda.CudaBackendTest#offsetsAndMisalignedWindows \
    --select-method org.sigbatch.cuda.CudaBackendTest#buffersAndDeviceArrays \
    > "$OUT/sanitizer.log" 2>&1 || status=1
  grep -E "ERROR SUMMARY|tests (successful|failed)" "$OUT/sanitizer.log"
}

stage_bench() {
  local args=${BENCH_ARGS:-"CudaBench -f 1 -wi 2 -w 1 -i 3 -r 1"}
  # shellcheck disable=SC2086
  "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED "-Djava.io.tmpdir=$TMP" \
    -jar "$HERE/benchmarks.jar" $args -rf json -rff "$OUT/cuda-bench.json" > "$OUT/cuda-bench.log" 2>&1 || status=1
  sed -n '/^Benchmark/,$p' "$OUT/cuda-bench.log"
  grep "CudaBench " "$OUT/cuda-bench.log" | sort -u | head -20
}

stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(all)
for s in "${stages[@]}"; do
  case $s in
    all) stage_info; stage_tests; stage_exhaustive; stage_sanitizer; stage_bench ;;
    info|tests|exhaustive|sanitizer|bench) "stage_$s" ;;
    *) echo "unknown stage $s (all, info, tests, exhaustive, sanitizer, bench)"; exit 2 ;;
  esac
done
rm -rf "$TMP"
exit $status
