#!/bin/sh
# Writes the seed corpora for the fuzz targets into fuzz/corpus/<target>/ (not committed; the
# fuzzers add what they find there). Needs the ffmpeg CLI for the media seeds.
set -eu
cd "$(dirname "$0")/.."
out=fuzz/corpus
mkdir -p "$out/text" "$out/pipeline" "$out/media"

# pipeline: the presets as written, and a few partial files.
cp pipelines/*.yaml "$out/pipeline/"
printf 'family: qwen3-vl\nimage:\n  max_pixels: 1000000\nlimits:\n  codecs: [h264, vp9]\n  timeout: 5\n' > "$out/pipeline/partial.yaml"
printf 'family: qwen2-vl\nvideo:\n  frames: 8\n  start: 0.5\n  end: 2.0\n  sizing: per_frame\n' > "$out/pipeline/video.yaml"
printf 'name: x\nfamily: qwen3.5\ntext: {mode: raw}\noutput: {dtype: bfloat16, max_rows: null}\n' > "$out/pipeline/flow.yaml"

# text: every manifest line and messages sidecar in the repository, one per file.
i=0
for f in samples/*.jsonl; do
    while IFS= read -r line; do
        i=$((i + 1)); printf '%s\n' "$line" > "$out/text/line-$i.json"
    done < "$f"
done
printf '{"caption": "a cat", "images": ["a.png"], "videos": ["b.mp4"]}' > "$out/text/caption.json"
printf '[{"role": "user", "content": [{"type": "video", "video": "v.mp4", "fps": 1, "max_pixels": 50176}, {"type": "text", "text": "hi\\u00e9"}]}, {"role": "assistant", "content": "ok"}]' > "$out/text/array.json"
printf '{"id": 7, "conversations": [{"from": "human", "value": "<image>\\nwhat?"}, {"from": "gpt", "value": "x"}], "image": "a.png"}\n{"messages": []}\n' > "$out/text/sharegpt.jsonl"

# media: tiny files of every format mmprep reads.
ff="ffmpeg -hide_banner -loglevel error -y"
src="-f lavfi -i testsrc=size=32x24:rate=5:duration=1"
$ff $src -c:v libx264 -pix_fmt yuv420p "$out/media/h264.mp4"
$ff $src -c:v libx264 -pix_fmt yuv420p "$out/media/h264.mkv"
$ff $src -c:v libvpx-vp9 "$out/media/vp9.webm"
$ff $src -c:v mpeg4 "$out/media/mpeg4.avi"
$ff $src -c:v mpeg2video "$out/media/mpeg2.ts"
$ff $src "$out/media/anim.gif"
$ff $src -frames:v 1 "$out/media/still.png"
$ff $src -frames:v 1 "$out/media/still.jpg"
$ff $src -frames:v 1 "$out/media/still.bmp"
$ff $src -frames:v 1 "$out/media/still.tiff"
$ff $src -frames:v 1 -c:v libwebp "$out/media/still.webp"
cp Tests/Fixtures/images/indexed-3x5.png "$out/media/"
echo "seeds: $(ls "$out/text" | wc -l) text, $(ls "$out/pipeline" | wc -l) pipeline, $(ls "$out/media" | wc -l) media"
