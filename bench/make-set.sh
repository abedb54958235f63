#!/usr/bin/env bash
# Builds the fixed benchmark set of issue 6 under DIR (default .cache/bench/set), from the
# committed real media only (Tests/Fixtures: rocket.jpg and plant.jpg from Debian's
# python3-skimage / opencv-doc, ball-576p-h264.mp4 from python3-mecavideo; origins in
# Tests/Fixtures/videos/SOURCES.md and samples/SOURCES.md), with the ffmpeg CLI and fixed noise
# seeds. Encoders run with a pinned thread count so the same ffmpeg/x264/x265/libvpx build gives
# the same bytes; the sha256 of every file is written to DIR/SHA256SUMS (bench/RESULTS.md quotes it).
#
#   bench/make-set.sh [DIR] [--quick]
#
#   images/{jpg,png}/photo-WxH.{jpg,png}   640x480, 1280x720, 1920x1080, 4000x3000: a real photo
#                                          scaled and cropped to the size, plus seeded grain
#                                          (so the upscaled photo has real-photo entropy)
#   videos/h264-1080p30-60s.mp4            60 s 1920x1080 30 fps H.264 High, 3 B-frames, GOP 60 (2 s),
#                                          no scene-cut keyframes
#   videos/vp9-720p30-60s.webm             60 s 1280x720 30 fps VP9, GOP 60
#   videos/hevc-2160p30-10s.mp4            10 s 3840x2160 30 fps HEVC (x265), GOP 60
#   long/h264-1080p30-600s.mp4             the 60 s H.264 clip concatenated 10 times (stream copy)
#   many/img-NNNN.jpg (+ .txt)             1000 640x480 JPEGs (the photo, a hue turn per image, grain)
#
# The videos are the real 720x576 25 fps ball clip looped, scaled up and given temporal grain
# (a real camera's noise floor), not flat test patterns. --quick makes the same set with the
# videos 10 s long (a separate directory), for debugging the harness.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR=""
QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    *) DIR="$a" ;;
  esac
done
SUFFIX=""
[ $QUICK = 1 ] && SUFFIX=-quick
DIR="${DIR:-$ROOT/.cache/bench/set$SUFFIX}"
FIX="$ROOT/Tests/Fixtures"
ROCKET="$FIX/images/rocket.jpg"
PLANT="$FIX/images/plant.jpg"
BALL="$FIX/videos/ball-576p-h264.mp4"
VERSION=3  # bump when a recipe below changes
if [ -f "$DIR/.done" ] && [ "$(cat "$DIR/.done")" = "$VERSION" ]; then
  echo "make-set: $DIR up to date"
  exit 0
fi
rm -rf "$DIR"
mkdir -p "$DIR/images/jpg" "$DIR/images/png" "$DIR/videos" "$DIR/long" "$DIR/many"
FF=(ffmpeg -hide_banner -v error -nostdin -y)
LONG=60
[ $QUICK = 1 ] && LONG=10

echo "make-set: images"
# size source seed
for spec in "640x480 $ROCKET 11" "1280x720 $PLANT 12" "1920x1080 $ROCKET 13" "4000x3000 $PLANT 14"; do
  set -- $spec
  size=$1 src=$2 seed=$3
  w=${size%x*} h=${size#*x}
  vf="scale=$w:$h:force_original_aspect_ratio=increase:flags=lanczos,crop=$w:$h,noise=alls=6:all_seed=$seed,format=yuvj420p"
  "${FF[@]}" -i "$src" -vf "$vf" -frames:v 1 -q:v 2 "$DIR/images/jpg/photo-$size.jpg"
  # The PNG holds exactly the JPEG's decoded pixels (RGB24).
  "${FF[@]}" -i "$DIR/images/jpg/photo-$size.jpg" -frames:v 1 -pix_fmt rgb24 "$DIR/images/png/photo-$size.png"
done

echo "make-set: H.264 1080p30 ${LONG}s (x264 veryfast, B-frames, 2 s GOP)"
"${FF[@]}" -stream_loop -1 -i "$BALL" -an \
  -vf "fps=30,scale=1920:1080:flags=bicubic,noise=alls=4:allf=t:all_seed=21,format=yuv420p" \
  -t "$LONG" -c:v libx264 -preset veryfast -crf 21 -bf 3 -g 60 -keyint_min 60 -sc_threshold 0 \
  -threads 2 -movflags +faststart "$DIR/videos/h264-1080p30-${LONG}s.mp4"

echo "make-set: VP9 720p30 ${LONG}s"
"${FF[@]}" -stream_loop -1 -i "$BALL" -an \
  -vf "fps=30,scale=1280:720:flags=bicubic,noise=alls=4:allf=t:all_seed=22,format=yuv420p" \
  -t "$LONG" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 2500k -g 60 \
  -threads 2 -tile-columns 1 -row-mt 0 "$DIR/videos/vp9-720p30-${LONG}s.webm"

echo "make-set: HEVC 2160p30 10s"
"${FF[@]}" -stream_loop -1 -i "$BALL" -an \
  -vf "fps=30,scale=3840:2160:flags=bicubic,noise=alls=4:allf=t:all_seed=23,format=yuv420p" \
  -t 10 -c:v libx265 -preset ultrafast -crf 26 -g 60 -tag:v hvc1 \
  -x265-params "log-level=error:pools=2:frame-threads=2:keyint=60:min-keyint=60:scenecut=0" \
  "$DIR/videos/hevc-2160p30-10s.mp4"

echo "make-set: long H.264 ($((LONG * 10)) s, concatenated by stream copy)"
: > "$DIR/long/list.txt"
for i in $(seq 10); do echo "file '$DIR/videos/h264-1080p30-${LONG}s.mp4'" >> "$DIR/long/list.txt"; done
"${FF[@]}" -f concat -safe 0 -i "$DIR/long/list.txt" -c copy "$DIR/long/h264-1080p30-$((LONG * 10))s.mp4"
rm "$DIR/long/list.txt"

N_MANY=1000
echo "make-set: $N_MANY JPEGs 640x480"
"${FF[@]}" -loop 1 -i "$ROCKET" \
  -vf "scale=640:480:force_original_aspect_ratio=increase:flags=lanczos,crop=640:480,hue=h=n*7,noise=alls=6:allf=t:all_seed=31,format=yuvj420p" \
  -frames:v "$N_MANY" -q:v 2 -start_number 0 "$DIR/many/img-%04d.jpg"
for i in $(seq 0 $((N_MANY - 1))); do
  n=$(printf %04d "$i")
  echo "photo number $i" > "$DIR/many/img-$n.txt"
done

(cd "$DIR" && find images videos long -type f | sort | xargs sha256sum > SHA256SUMS)
(cd "$DIR" && find many -name '*.jpg' | sort | xargs cat | sha256sum | sed 's/-$/many\/*.jpg (concatenated)/' >> SHA256SUMS)
echo "$VERSION" > "$DIR/.done"
echo "make-set: done: $DIR"
