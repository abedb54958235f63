#!/usr/bin/env bash
# Setup and first run: installs the system packages, builds mmprep (release), and preprocesses
# every file in samples/ with the qwen2.5-vl preset into out/samples/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="/opt/swift/usr/bin:$PATH"

scripts/install-deps.sh
swift build -c release --static-swift-stdlib
BIN="$(swift build -c release --show-bin-path)/mmprep"

# The main job: the sample folder (media with captions, and both manifest formats) to a dataset.
DATASET="$ROOT/out/samples-dataset"
rm -rf "$DATASET"
"$BIN" convert samples --pipeline qwen2.5-vl --output "$DATASET"
"$BIN" inspect "$DATASET"
echo

# One image and one video through probe and preprocess.
OUT="$ROOT/out/samples"
mkdir -p "$OUT"
for media in samples/rocket.jpg samples/realshort.mp4; do
  name="$(basename "$media")"
  "$BIN" probe "$media" --pipeline qwen2.5-vl
  "$BIN" preprocess "$media" --pipeline qwen2.5-vl --output "$OUT/${name%.*}.safetensors"
  echo "wrote $OUT/${name%.*}.safetensors"
  echo
done
echo "mmprep is at $BIN; the dataset is $DATASET"
