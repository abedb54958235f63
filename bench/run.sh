#!/usr/bin/env bash
# The issue-6 benchmark, one command, on a fresh Debian 12 machine (as root or with sudo):
#
#   bench/run.sh [--quick] [--no-torch] [--skip STEP]...
#
# 1. installs the Debian packages (scripts/install-deps.sh, plus GNU time) and builds mmprep in
#    release mode, and the micro-benchmark package bench/kernels (ordo-one/benchmark);
# 2. makes the fixed benchmark set under .cache/bench (bench/make-set.sh; not committed);
# 3. makes the Python venvs: transformers 5.24 + Pillow 13 (.cache/bench/venv-pil, pinned as
#    scripts/setup-test-venv.sh pins them) and, for the torchvision backend and the video
#    reference, torch/torchvision/torchcodec/qwen-vl-utils (scripts/ref/make-torch-venv.sh,
#    MMPREP_TORCH_VENV, default /root/venvs/mmprep-ref-torch). When torch cannot be installed
#    it says so plainly and goes on without those systems;
# 4. runs every system on the same inputs, round-robin, prints the tables of medians and ratios
#    and writes bench/RESULTS.md (bench/bench.py), then runs the kernel micro-benchmark.
#
# --quick: fewer repetitions and 10 s videos (a separate set), to check the harness.
# The default run takes about 20 minutes on an idle 2-core machine once everything is built and the
# set exists (making the set takes ~10 more); on a machine shared with other work, twice that.
# bench/bench.py saves the samples after every step (.cache/bench/last-run.pkl);
#   python3 bench/bench.py ... --report-only .cache/bench/last-run.pkl   re-renders RESULTS.md.
#
# Env: BENCH_CACHE (default .cache/bench), BENCH_SCRATCH (SwiftPM scratch path, default .build),
#      BENCH_OUT (default bench/RESULTS.md), MMPREP_TORCH_VENV, BENCH_SHM (default /dev/shm).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
QUICK=0
TORCH=1
SKIP=()
CMDLINE="bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-torch) TORCH=0 ;;
    --skip) SKIP+=(--skip "$2"); shift ;;
    -h|--help) sed -n 2,22p "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
CACHE="${BENCH_CACHE:-$ROOT/.cache/bench}"
SCRATCH="${BENCH_SCRATCH:-$ROOT/.build}"
OUT="${BENCH_OUT:-$ROOT/bench/RESULTS.md}"
SHM="${BENCH_SHM:-/dev/shm}"
[ -d "$SHM" ] && [ -w "$SHM" ] || SHM="$CACHE"
mkdir -p "$CACHE"
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"

echo "== 1. dependencies and build"
scripts/install-deps.sh
if [ ! -x /usr/bin/time ]; then
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq time
fi
swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" 2>&1 | tail -3
MMPREP="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/mmprep"
KSCRATCH="${BENCH_KERNELS_SCRATCH:-$ROOT/bench/kernels/.build}"
(cd bench/kernels && swift build -c release --scratch-path "$KSCRATCH" --product stage-timer 2>&1 | tail -3)
STAGE_TIMER="$(cd bench/kernels && swift build -c release --scratch-path "$KSCRATCH" --show-bin-path)/stage-timer"

echo "== 2. benchmark set"
if [ $QUICK = 1 ]; then SET="$CACHE/set-quick"; bench/make-set.sh "$SET" --quick
else SET="$CACHE/set"; bench/make-set.sh "$SET"; fi

echo "== 3. Python references"
# transformers + Pillow 13, pinned like scripts/setup-test-venv.sh (no torch).
PIL_VENV="$CACHE/venv-pil"
PIL_WANT="transformers==5.24.0 pillow==13.0.0 numpy safetensors"
if [ ! -x "$PIL_VENV/bin/python" ] || [ "$(cat "$PIL_VENV/.stamp" 2>/dev/null)" != "$PIL_WANT" ]; then
  rm -rf "$PIL_VENV"
  python3 -m venv "$PIL_VENV"
  "$PIL_VENV/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip
  # shellcheck disable=SC2086
  "$PIL_VENV/bin/python" -m pip install --disable-pip-version-check -q $PIL_WANT
  echo "$PIL_WANT" > "$PIL_VENV/.stamp"
fi
TORCH_PY=""
TORCH_NOTE=""
TORCH_VENV="${MMPREP_TORCH_VENV:-/root/venvs/mmprep-ref-torch}"
if [ $TORCH = 1 ]; then
  if [ -x "$TORCH_VENV/bin/python" ] && "$TORCH_VENV/bin/python" -c "import torch, torchvision, torchcodec, qwen_vl_utils, transformers" 2>/dev/null; then
    TORCH_PY="$TORCH_VENV/bin/python"
  elif MMPREP_TORCH_VENV="$TORCH_VENV" scripts/ref/make-torch-venv.sh > "$CACHE/make-torch-venv.log" 2>&1; then
    TORCH_PY="$TORCH_VENV/bin/python"
  else
    TORCH_NOTE="torch could not be installed (scripts/ref/make-torch-venv.sh failed; log: $CACHE/make-torch-venv.log: $(tail -1 "$CACHE/make-torch-venv.log"))."
    echo "TORCH NOT AVAILABLE: $TORCH_NOTE The torchvision backend and the video reference will NOT be measured."
  fi
else
  TORCH_NOTE="torch skipped (--no-torch)."
  echo "TORCH NOT MEASURED: --no-torch given; the torchvision backend and the video reference are skipped."
fi

echo "== 4. kernel micro-benchmark (ordo-one/benchmark)"
KDIR="$CACHE/kernels-out"
rm -rf "$KDIR"; mkdir -p "$KDIR"
(cd bench/kernels && swift package --scratch-path "$KSCRATCH" --allow-writing-to-directory "$KDIR" \
   benchmark --target PatchifyBenchmark --format histogramPercentiles --path "$KDIR" --no-progress \
   > "$CACHE/kernels.log" 2>&1) || { echo "kernel benchmark failed (log: $CACHE/kernels.log)"; tail -20 "$CACHE/kernels.log"; }

echo "== 5. systems, round-robin"
ARGS=(--mmprep "$MMPREP" --set "$SET" --out "$OUT" --work-shm "$SHM/mmprep-bench-$$"
      --work-disk "$CACHE/work" --pil-python "$PIL_VENV/bin/python" --stage-timer "$STAGE_TIMER"
      --kernels-dir "$KDIR" --command "$CMDLINE" --torch-note "$TORCH_NOTE" --state "$CACHE/last-run.pkl")
[ -n "$TORCH_PY" ] && ARGS+=(--torch-python "$TORCH_PY")
[ $QUICK = 1 ] && ARGS+=(--quick)
python3 bench/bench.py "${ARGS[@]}" "${SKIP[@]}"
rm -rf "$SHM/mmprep-bench-$$"
