#!/usr/bin/env bash
# Runs on a GPU machine from the bundle that scripts/gpu-bundle builds (.gpu/): no Java, Maven or
# network needed there. Each stage writes its evidence to $OUT/<stage>/ while it runs (default ./out).
#
#   gpu-run.sh quick       every stage, most important first, inside one deadline of QUICK_SECONDS
#                          (default 460: one device command of at most 8 minutes, kill grace included):
#                          info, devices, gpu_check, tests, exhaustive, bench (16M, 256M), sanitizer
#   gpu-run.sh full        the same stages without the deadline, the full JMH sweep
#   gpu-run.sh STAGE...    single stages: info devices gpu_check tests exhaustive bench sanitizer
#
# Every stage runs under `timeout`; one that fails, hangs or finds a tool missing is reported and the
# next one runs. Exit status 0 only if every stage passed; the summary at the end says, per stage,
# PASSED, FAILED, TIMEOUT or NOT RUN, with its key lines. Files under $OUT: one per stage, two for
# bench (the device tool brings back at most 8). BENCH_ARGS overrides the JMH options, LIMIT_<stage>
# a stage's time limit in seconds. scripts/gpu-dryrun runs this without a GPU and checks each message.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$HERE/out}
MODE=stages
BUDGET=0
START=$(date +%s)
JAVA=$HERE/jre/bin/java
FATBIN=$HERE/root/java/cuda/src/main/resources/org/sigbatch/cuda/sigmoid.fatbin
# file modes can be lost on the way to the machine: the JRE's launchers must be executable
chmod +x "$HERE"/jre/bin/* "$HERE/jre/lib/jspawnhelper" 2>/dev/null
# JCuda unpacks its native library into java.io.tmpdir: keep it in the bundle (/tmp may be noexec)
TMP=$HERE/tmp/run-$$
mkdir -p "$OUT" "$TMP"
CP="$HERE/lib/sigbatch-core.jar:$HERE/lib/sigbatch-core-tests.jar:$HERE/lib/sigbatch-cuda.jar:$HERE/lib/sigbatch-cuda-tests.jar:$HERE/lib/jcuda.jar:$HERE/lib/jcuda-natives-driver.jar"
JOPTS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED "-Djava.io.tmpdir=$TMP" -Xmx24g)
# the console launcher on the class path (not -jar): tests that start child JVMs pass java.class.path on
JUNIT=(-cp "$CP:$HERE/lib/junit-platform-console-standalone.jar" org.junit.platform.console.ConsoleLauncher execute
  --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii --fail-if-no-tests)
SUITE=(-Dsigbatch.require=cuda "-Dsigbatch.root=$HERE/root" -Dsigbatch.tries=200)
SUMMARY=$TMP/summary
: > "$SUMMARY"
status=0

# ---------------------------------------------------------------- stages (each: exit 0 passed, 3 not run)
# $T is the stage's time limit in seconds; every command that can hang runs under tmo.
tmo() { timeout -k 10 "$T" "$@"; }

stage_info() {
  date -u; uname -a; echo "cores: $(nproc)"; free -g 2>/dev/null | head -2
  local rc=0
  if command -v nvidia-smi >/dev/null; then
    tmo nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.sm,clocks.max.sm,clocks.mem,pcie.link.gen.current,pcie.link.gen.max,pcie.link.width.max,power.limit,persistence_mode,compute_mode --format=csv || rc=1
    tmo nvidia-smi || rc=1
  else
    echo "FAILED: nvidia-smi not found: no NVIDIA driver tools on this machine"; rc=1
  fi
  if [ -x "$JAVA" ]; then tmo "$JAVA" -version 2>&1 || rc=1; else echo "FAILED: the bundled JRE ($JAVA) is missing"; rc=1; fi
  for t in nvcc compute-sanitizer python3 unshare; do echo "$t: $(command -v $t || echo 'not on PATH')"; done
  command -v nvcc >/dev/null && nvcc --version | tail -2
  return $rc
}

# JCuda opens the GPU and the fatbin loads: the CLI lists cuda as available, with its device facts.
stage_devices() {
  [ -f "$HERE/sigbatch.jar" ] || { echo "FAILED: sigbatch.jar is not in the bundle (build java/cli, then make gpu-bundle)"; return 1; }
  tmo "$JAVA" "${JOPTS[@]}" -jar "$HERE/sigbatch.jar" devices || return 1
}
check_devices() {
  grep -Eq '^cuda +yes' "$1" && return 0
  echo "FAILED: cuda is not available: $(grep -E '^cuda ' "$1" || echo 'no cuda line')" >> "$1"; return 1
}

# Independent CuPy check of the committed fatbin (torch.sigmoid in the same process); its JSON stays in tmp.
stage_gpu_check() {
  [ -f "$HERE/gpu_check.py" ] || { echo "FAILED: gpu_check.py is not in the bundle (make gpu-bundle copies ../shared/gpu/gpu_check.py)"; return 1; }
  command -v python3 >/dev/null || { echo "FAILED: python3 not found"; return 1; }
  mkdir -p "$TMP/gpu_check"
  (cd "$TMP" && OUT=$TMP/gpu_check PYTHONUNBUFFERED=1 tmo python3 "$HERE/gpu_check.py" "$FATBIN")
}

# The CUDA suite with CUDA required, without the host-only tests (they need nvcc and ~27 s).
stage_tests() {
  tmo "$JAVA" "${JOPTS[@]}" "${SUITE[@]}" -Dsigbatch.exhaustive=false "${JUNIT[@]}" --select-package org.sigbatch.cuda \
    --exclude-classname '.*(HostMath|Fatbin|Exhaustive).*' --reports-dir "$TMP/junit-tests"
}

stage_exhaustive() {
  tmo "$JAVA" "${JOPTS[@]}" "${SUITE[@]}" -Dsigbatch.exhaustive=true "${JUNIT[@]}" \
    --select-method org.sigbatch.cuda.CudaExhaustiveTest#allFloat32InputsOnTheGpu --reports-dir "$TMP/junit-exhaustive"
}

stage_bench() {
  local args
  if [ -n "${BENCH_ARGS:-}" ]; then args=$BENCH_ARGS
  elif [ "$MODE" = quick ]; then args="CudaBench -e endToEndDirectStaged -p size=16777216,268435456 -f 1 -wi 2 -w 1 -i 3 -r 1"
  else args="CudaBench"; fi
  rm -f "$OUT/bench/bench.json"
  # shellcheck disable=SC2086
  tmo "$JAVA" "${JOPTS[@]}" -jar "$HERE/benchmarks.jar" $args -foe true -rf json -rff "$OUT/bench/bench.json"
  local rc=$?
  echo; echo "== every GPU figure against its ceiling (cuda-bench-table.py)"
  if [ -f "$OUT/bench/bench.json" ]; then python3 "$HERE/cuda-bench-table.py" "$OUT/bench/bench.json"; else echo "no JMH JSON (JMH failed or was stopped)"; fi
  return $rc
}

# compute-sanitizer memcheck over small batches (odd lengths, offsets, specials, device arrays).
stage_sanitizer() {
  local cs
  cs=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda*/compute-sanitizer/compute-sanitizer \
    /opt/nvidia/*/compute-sanitizer 2>/dev/null | head -1)
  if [ -z "$cs" ]; then
    echo "not run: compute-sanitizer not found (PATH, /usr/local/cuda*/, /opt/nvidia/)"; return 3
  fi
  tmo "$cs" --tool memcheck --launch-timeout 120 --leak-check full --error-exitcode 3 --target-processes all \
    "$JAVA" "${JOPTS[@]}" "${SUITE[@]}" "${JUNIT[@]}" \
    --select-method "org.sigbatch.cuda.CudaContractTest#specialValuesHaveTheirTrueAnswers(org.sigbatch.DType)" \
    --select-method org.sigbatch.cuda.CudaBackendTest#offsetsAndMisalignedWindows \
    --select-method org.sigbatch.cuda.CudaBackendTest#buffersAndDeviceArrays \
    --reports-dir "$TMP/junit-sanitizer"
  local rc=$?
  [ $rc -eq 3 ] && return 1  # memcheck found errors (3 is "not run" here)
  return $rc
}

# ---------------------------------------------------------------- running a stage
# Key lines of a stage's log for the summary (cut to 240 characters).
key_lines() {
  case $1 in
    info) grep -A1 '^name, driver' "$2" | tail -1; grep -E 'FAILED|^openjdk version' "$2" | head -3 ;;
    devices) grep -E '^cuda |FAILED' "$2" | head -2; sed -n '/^cuda:$/,/^$/p' "$2" | grep -E '^  (device|driver|launch) ' ;;
    gpu_check) grep -E '^(device|fatbin|b\.|total_seconds)|Error|error:|FAILED' "$2" | head -8 ;;
    tests|exhaustive|sanitizer)
      grep -E 'CUDA exhaustive|tests (successful|failed|aborted)|ERROR SUMMARY|not run|FAILED' "$2" | head -6
      grep -E '\[X\]|=> ' "$2" | head -3 ;;
    bench) sed -n '/^| size/,$p' "$2"; grep -E '^CudaBench |no JMH JSON' "$2" | head -12; grep -m1 'CUDA unavailable' "$2" ;;
  esac | cut -c1-240
}

# run_stage NAME CAP: runs stage_NAME with a limit of CAP seconds (less if the deadline is nearer).
run_stage() {
  local name=$1 cap=$2 dir=$OUT/$1 log=$OUT/$1/$1.txt rc t0 outcome
  mkdir -p "$dir"
  T=$cap
  if [ "$BUDGET" -gt 0 ]; then
    local left=$((START + BUDGET - $(date +%s)))
    [ "$left" -lt "$T" ] && T=$left
    if [ "$T" -lt 20 ]; then
      echo "not run: out of time (${left}s left of the ${BUDGET}s deadline)" > "$log"
      printf '%-10s NOT RUN (out of time)\n' "$name" >> "$SUMMARY"; status=1; return
    fi
  fi
  t0=$(date +%s)
  echo "== $name (limit ${T}s)"
  { echo "# stage $name, limit ${T}s, started $(date -u +%FT%TZ)"; "stage_$name"; } > "$log" 2>&1
  rc=$?
  [ $rc -eq 0 ] && [ "$name" = devices ] && { check_devices "$log"; rc=$?; }
  case $rc in
    0) outcome=PASSED ;;
    3) outcome="NOT RUN" ;;
    124|137) outcome="TIMEOUT after ${T}s"; echo "TIMEOUT: stopped after ${T}s" >> "$log" ;;
    *) outcome="FAILED (exit $rc)" ;;
  esac
  [ $rc -ne 0 ] && status=1
  printf '%-10s %s, %ss\n' "$name" "$outcome" "$(($(date +%s) - t0))" >> "$SUMMARY"
  local keys
  keys=$(key_lines "$name" "$log")
  [ -z "$keys" ] && [ $rc -ne 0 ] && keys=$(tail -4 "$log" | cut -c1-240)
  [ -n "$keys" ] && sed 's/^/    /' <<< "$keys" >> "$SUMMARY"
  echo "   $outcome"
}

STAGES=(info devices gpu_check tests exhaustive bench sanitizer)
declare -A CAP=([info]=30 [devices]=60 [gpu_check]=150 [tests]=150 [exhaustive]=180 [bench]=200 [sanitizer]=300)
[ $# -eq 0 ] && set -- quick
case $1 in
  quick) MODE=quick; BUDGET=${QUICK_SECONDS:-460}; set -- "${STAGES[@]}" ;;
  full|all) MODE=full; CAP[bench]=3600; CAP[exhaustive]=900; set -- "${STAGES[@]}" ;;
esac
for s in "$@"; do
  [ -n "${CAP[$s]:-}" ] || { echo "unknown stage $s (quick, full, ${STAGES[*]})"; exit 2; }
  lim=LIMIT_$s; [ -n "${!lim:-}" ] && CAP[$s]=${!lim}  # LIMIT_<stage>=seconds overrides a stage's limit
done
for s in "$@"; do run_stage "$s" "${CAP[$s]}"; done

echo
echo "== summary ($MODE, $(($(date +%s) - START))s; evidence in $OUT/<stage>/)"
cat "$SUMMARY"
nfiles=$(find "$OUT" -type f | wc -l)
[ "$nfiles" -gt 8 ] && echo "note: $nfiles files under $OUT; the device tool brings back 8"
rm -rf "$TMP"
exit $status
