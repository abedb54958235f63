#!/bin/sh
# Runs one fuzz target: fuzz/run.sh media|pipeline|text [SECONDS] [extra libFuzzer flags...]
# Builds it, makes the seeds if missing, fuzzes nice'd into corpus/<target>/, writes findings to
# artifacts/<target>/ and the log to logs/<target>-<time>.log.
set -eu
cd "$(dirname "$0")"
target="$1"; seconds="${2:-1800}"; shift; [ $# -gt 0 ] && shift
./build.sh "fuzz-$target" >/dev/null
[ -d "corpus/$target" ] || ./make-seeds.sh
mkdir -p "artifacts/$target" logs
log="logs/$target-$(date -u +%Y%m%dT%H%M%S).log"
echo "fuzzing $target for $seconds s; log: fuzz/$log"
exec nice -n 19 ./.build-fuzz/debug/"fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" "$@" "corpus/$target" > "$log" 2>&1
