#!/usr/bin/env bash
# Soak of `mmprep watch`: drops RATE images per second (copies of generated PNGs, each unique)
# for DURATION seconds, then reports files/s sustained and the daemon's RSS at start and end.
#   bench/watch-soak.sh [DURATION=600] [RATE=2]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${1:-600}"; RATE="${2:-2}"
BIN="${MMPREP_BIN:-$(cd "$ROOT" && swift build -c release --show-bin-path)/mmprep}"
W="${SOAK_DIR:-/tmp/mmprep-soak}"
rm -rf "$W"; mkdir -p "$W/inbox" "$W/src"
ffmpeg -v error -f lavfi -i "testsrc2=size=640x480:rate=1:duration=1" -frames:v 1 "$W/src/base.png"
"$BIN" watch --pipeline qwen2.5-vl --inbox "$W/inbox" --output "$W/out" \
  --set watch.settle=1 --set watch.sidecar_wait=0 --set output.max_latency=10 > "$W/daemon.log" 2>&1 &
PID=$!
sleep 2
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
RSS0=$(rss); n=0; start=$(date +%s); series=""; last=-1
while [ $(( $(date +%s) - start )) -lt "$DURATION" ]; do
  minute=$(( ($(date +%s) - start) / 60 ))
  if [ "$minute" != "$last" ]; then series="$series ${minute}m:$(rss)"; last=$minute; fi
  for i in $(seq 1 "$RATE"); do
    # Unique content per file: append a comment chunk-free trailer byte pattern via a fresh re-encode.
    cp "$W/src/base.png" "$W/inbox/.f$n.png.part"; printf '%08d' "$n" >> "$W/inbox/.f$n.png.part"
    mv "$W/inbox/.f$n.png.part" "$W/inbox/f$n.png"; n=$((n + 1))
  done
  sleep 1
done
sleep 15
RSS1=$(rss)
kill -TERM $PID; wait $PID || true
done_n=$("$BIN" status --state "$W/state" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['counts'].get('done',0))")
echo "watch-soak: ${DURATION}s at ${RATE}/s: dropped $n, done $done_n ($(python3 -c "print(f'{$done_n/$DURATION:.2f}')") files/s sustained), RSS start ${RSS0} KiB, end ${RSS1} KiB"
echo "RSS (KiB) by minute:$series"
grep -c '"input failed"\|input failed' "$W/daemon.log" | sed 's/^/failures logged: /' || true
