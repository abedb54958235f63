#!/usr/bin/env bash
# Throughput and peak memory of `mmprep convert` over a deterministic mixed set:
# N_IMAGES JPEG/PNG photos at several sizes (made from the committed real photos) and
# N_VIDEOS short H.264 clips, with captions. Prints items/s and peak RSS (GNU time).
#
#   bench/convert-mixed.sh [N_IMAGES=200] [N_VIDEOS=24] [JOBS=2] [PIPELINE=qwen2.5-vl]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N_IMAGES="${1:-200}"
N_VIDEOS="${2:-24}"
JOBS="${3:-2}"
PIPELINE="${4:-qwen2.5-vl}"
WORK="${BENCH_DIR:-/tmp/mmprep-bench-mixed}"
BIN="${MMPREP_BIN:-$(cd "$ROOT" && swift build -c release --show-bin-path)/mmprep}"
[ -x "$BIN" ] || (cd "$ROOT" && swift build -c release --static-swift-stdlib)

SET="$WORK/set-$N_IMAGES-$N_VIDEOS"
if [ ! -f "$SET/.done" ]; then
  rm -rf "$SET"; mkdir -p "$SET/images" "$SET/videos"
  photos=("$ROOT"/Tests/Fixtures/images/{rocket.jpg,plant.jpg,logo-progressive.jpg,color.png})
  sizes=(640x480 1280x720 1920x1080 800x600 1024x768)
  for i in $(seq 0 $((N_IMAGES - 1))); do
    src="${photos[$((i % ${#photos[@]}))]}"
    size="${sizes[$((i % ${#sizes[@]}))]}"
    ext=$([ $((i % 3)) -eq 0 ] && echo png || echo jpg)
    ffmpeg -v error -y -i "$src" -vf "scale=${size/x/:},hue=h=$((i * 7 % 360))" -frames:v 1 "$SET/images/img$(printf %04d "$i").$ext"
    echo "photo $i at $size" > "$SET/images/img$(printf %04d "$i").txt"
  done
  for i in $(seq 0 $((N_VIDEOS - 1))); do
    ffmpeg -v error -y -f lavfi -i "testsrc2=size=640x360:rate=30:duration=4,hue=h=$((i * 13 % 360))" \
      -pix_fmt yuv420p -c:v libx264 -g 60 "$SET/videos/clip$(printf %03d "$i").mp4"
    echo "clip $i" > "$SET/videos/clip$(printf %03d "$i").txt"
  done
  touch "$SET/.done"
fi

OUT="$WORK/out-$JOBS"
rm -rf "$OUT"
/usr/bin/time -v -o "$WORK/time-$JOBS.txt" "$BIN" convert "$SET" --pipeline "$PIPELINE" --output "$OUT" --jobs "$JOBS" --quiet
items=$((N_IMAGES + N_VIDEOS))
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time-$JOBS.txt")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time-$JOBS.txt")
secs=$(python3 -c "import sys; p='$wall'.split(':'); print(sum(float(x)*60**i for i,x in enumerate(reversed(p))))")
echo "convert-mixed: $items items ($N_IMAGES images, $N_VIDEOS videos), jobs $JOBS, $PIPELINE: ${secs}s, $(python3 -c "print(f'{$items/$secs:.1f}')") items/s, peak RSS $((rss / 1024)) MiB, output $(du -sh "$OUT" | cut -f1)"
