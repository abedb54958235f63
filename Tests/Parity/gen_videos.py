#!/usr/bin/env python3
"""Generate the small synthetic video clips used by the decode parity tests.

Every clip is made with the `ffmpeg` CLI from lavfi sources (testsrc2, mandelbrot,
noise overlays) so the content has sharp luma and chroma edges.  The set covers
containers (MP4, MOV, MKV, WebM, AVI), codecs (H.264 8/10-bit 4:2:0/4:2:2/4:4:4,
HEVC 8/10-bit, VP8, VP9 8/10-bit and 4:4:4, AV1 via libsvtav1 and libaom-av1,
MPEG-4 part 2, MJPEG), colour tags (BT.709 tv, BT.601/smpte170m tv, bt470bg,
untagged, full range), rotation (90/180/270 display matrices), variable frame
rate and B-frames.

Output goes to a cache directory keyed by the hash of this file and of the ffmpeg
version (default /work/main/.cache/test-media/videos-<hash>/, override the parent
with MMPREP_TEST_MEDIA_CACHE), so reruns are free.  Generation is atomic: clips are
written to a temporary directory that is renamed into place once all of them have
been produced and checked with ffprobe against the expectations in CLIPS.  A
`manifest.json` next to the clips describes each file.

Usage:
    python gen_videos.py            # generate if needed, print the directory
    python gen_videos.py --force    # regenerate
    python gen_videos.py --list     # print the clip table
    python gen_videos.py --out DIR  # generate into DIR (no cache key)

As a module: `gen_videos.ensure_media()` -> (Path dir, dict manifest).
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
DEFAULT_CACHE = REPO_ROOT / ".cache" / "test-media"

FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("FFPROBE", "ffprobe")

# ---------------------------------------------------------------------------
# Colour tag presets.
#   args:   encoder/muxer options that write the tags
#   scale:  options for the RGB->YUV conversion that makes the content (so the
#           pixels really are in the tagged matrix/range; not essential for the
#           parity test, but it keeps the clips honest)
#   probe:  what ffprobe reports for the decoded frames (None = not reported)
#   matrix/range: what the CLI reference must be told (scale filter names)
# ---------------------------------------------------------------------------
TAGS = {
    "bt709": dict(
        args=["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"],
        scale="out_color_matrix=bt709:out_range=tv",
        probe=("bt709", "tv"), matrix="bt709", range="tv"),
    "bt601": dict(
        args=["-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m", "-color_range", "tv"],
        scale="out_color_matrix=bt601:out_range=tv",
        probe=("smpte170m", "tv"), matrix="bt601", range="tv"),
    "bt470bg": dict(
        args=["-colorspace", "bt470bg", "-color_primaries", "bt470bg", "-color_trc", "gamma28", "-color_range", "tv"],
        scale="out_color_matrix=bt601:out_range=tv",
        probe=("bt470bg", "tv"), matrix="bt601", range="tv"),
    "untagged": dict(
        # explicit "unknown": otherwise the CLI copies the filter's tv range into
        # the encoder and Matroska writes a Range element
        args=["-color_range", "unknown"],
        scale="out_color_matrix=bt601:out_range=tv",
        probe=(None, None), matrix="bt601", range="tv"),
    "pc709": dict(
        args=["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "pc"],
        scale="out_color_matrix=bt709:out_range=pc",
        probe=("bt709", "pc"), matrix="bt709", range="pc"),
    # MJPEG: yuvj* pixel formats; the decoder reports bt470bg / pc by itself.
    "jpeg": dict(
        args=[],
        scale="out_color_matrix=bt601:out_range=pc",
        probe=("bt470bg", "pc"), matrix="bt601", range="pc"),
}


def _src(kind: str, w: int, h: int, rate: str) -> str:
    """lavfi source graph producing visually varied RGB content.

    Every graph ends in an RGB format: testsrc2 asked for yuv420p directly would
    silently round an odd size down to even."""
    if kind == "testsrc2":
        return f"testsrc2=s={w}x{h}:r={rate},format=rgb24"
    if kind == "mandelbrot":
        # start zoomed in on a colourful area; bailout/outer colouring gives
        # smooth gradients plus fine detail
        return f"mandelbrot=s={w}x{h}:r={rate}:start_scale=0.3:outer=normalized_iteration_count,format=rgb24"
    if kind == "noise":
        return f"testsrc2=s={w}x{h}:r={rate},format=yuv444p,noise=alls=40:allf=t+u,format=rgb24"
    if kind == "mix":
        # testsrc2 blended with a mandelbrot zoom, plus temporal noise
        return (f"testsrc2=s={w}x{h}:r={rate},format=gbrp[a];"
                f"mandelbrot=s={w}x{h}:r={rate}:start_scale=0.5,format=gbrp[b];"
                f"[a][b]blend=all_mode=average,noise=alls=20:allf=t[out0]")
    raise ValueError(kind)


# Encoder presets: (codec args, ffprobe codec_name)
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18"]
X265 = ["-c:v", "libx265", "-preset", "fast", "-crf", "22", "-x265-params", "log-level=error"]
VP8 = ["-c:v", "libvpx", "-b:v", "600k", "-deadline", "good", "-cpu-used", "4", "-auto-alt-ref", "0"]
VP9 = ["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "30", "-deadline", "good", "-cpu-used", "4", "-row-mt", "1"]
SVTAV1 = ["-c:v", "libsvtav1", "-preset", "10", "-crf", "35"]
AOMAV1 = ["-c:v", "libaom-av1", "-cpu-used", "8", "-crf", "35", "-b:v", "0", "-row-mt", "1"]
MPEG4 = ["-c:v", "mpeg4", "-q:v", "4"]
MJPEG = ["-c:v", "mjpeg", "-q:v", "3"]

# ---------------------------------------------------------------------------
# The clip table.  Keys:
#   name, size (w, h), rate, frames, src, enc (args), codec (ffprobe codec_name),
#   pix_fmt (encoder input format), probe_pix_fmt (decoded pix_fmt; defaults
#   to pix_fmt), tags (TAGS key), gop, extra (more encoder/muxer args),
#   rotate (metadata rotate=..., applied by stream-copy remux), vfr (bool),
#   optional (skip the clip, and record why in the manifest, when the encoder is
#   missing from this ffmpeg build; required clips fail generation instead),
#   notes.
# ---------------------------------------------------------------------------
CLIPS = [
    dict(name="h264_420_bt709.mp4", size=(320, 240), rate="30", frames=30, src="testsrc2",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="bt709", gop=10,
         notes="H.264 High 8-bit 4:2:0, BT.709 tv, B-frames, 3 GOPs"),
    dict(name="h264_420_bt601.mov", size=(176, 144), rate="25", frames=25, src="mandelbrot",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="bt601", gop=8,
         notes="H.264 in QuickTime MOV, smpte170m tv"),
    dict(name="h264_420_untagged.mkv", size=(250, 130), rate="24", frames=24, src="noise",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="untagged", gop=12,
         notes="H.264 in Matroska, no colour description (-> bt601 tv), width not a multiple of 32"),
    dict(name="h264_420_pc709.mp4", size=(250, 130), rate="25", frames=20, src="mix",
         enc=X264, codec="h264", pix_fmt="yuv420p", probe_pix_fmt="yuvj420p", tags="pc709", gop=10,
         notes="H.264 full range (VUI full_range=1, decoder outputs yuvj420p), BT.709"),
    dict(name="h264_422_bt709.mp4", size=(320, 240), rate="30", frames=20, src="noise",
         enc=X264, codec="h264", pix_fmt="yuv422p", tags="bt709", gop=10,
         notes="H.264 High 4:2:2 8-bit"),
    dict(name="h264_444_odd.mkv", size=(161, 97), rate="25", frames=20, src="mandelbrot",
         enc=X264, codec="h264", pix_fmt="yuv444p", tags="bt470bg", gop=10,
         notes="H.264 High 4:4:4 Predictive, odd size, bt470bg tv"),
    dict(name="h264_420p10.mp4", size=(250, 130), rate="25", frames=20, src="testsrc2",
         enc=X264, codec="h264", pix_fmt="yuv420p10le", tags="bt709", gop=10,
         notes="H.264 High 10, BT.709 tv"),
    dict(name="h264_ntsc_untagged.mp4", size=(176, 144), rate="30000/1001", frames=24, src="testsrc2",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="untagged", gop=12,
         notes="29.97 fps (non-integer rate), untagged"),
    dict(name="hevc_420_bt709.mp4", size=(320, 240), rate="30", frames=30, src="mix",
         enc=X265, codec="hevc", pix_fmt="yuv420p", tags="bt709", gop=12, extra=["-tag:v", "hvc1"],
         notes="HEVC Main 8-bit, B-frames, hvc1 tag"),
    dict(name="hevc_420p10_untagged.mkv", size=(176, 144), rate="25", frames=20, src="mandelbrot",
         enc=X265, codec="hevc", pix_fmt="yuv420p10le", tags="untagged", gop=10,
         probe_tags=(None, "tv"),
         notes="HEVC Main 10, no matrix (x265 always writes the range flag: tv)"),
    dict(name="vp8.webm", size=(250, 130), rate="30", frames=30, src="noise",
         enc=VP8, codec="vp8", pix_fmt="yuv420p", probe_tags=("bt470bg", "tv"), tags="untagged", gop=10,
         notes="VP8 in WebM (the VP8 decoder always reports bt470bg tv)"),
    dict(name="vp9_420_odd_bt709.webm", size=(161, 97), rate="24", frames=24, src="testsrc2",
         enc=VP9, codec="vp9", pix_fmt="yuv420p", tags="bt709", gop=12,
         notes="VP9 profile 0, odd size, BT.709 tv, alt-ref superframes"),
    dict(name="vp9_420p10_bt601.webm", size=(176, 144), rate="25", frames=20, src="mix",
         enc=VP9, codec="vp9", pix_fmt="yuv420p10le", tags="bt601", gop=10,
         extra=["-profile:v", "2"],
         notes="VP9 profile 2 (10-bit), smpte170m tv"),
    dict(name="vp9_444_pc709.mkv", size=(250, 130), rate="25", frames=20, src="mandelbrot",
         enc=VP9, codec="vp9", pix_fmt="yuv444p", tags="pc709", gop=10,
         extra=["-profile:v", "1"],
         notes="VP9 profile 1 (4:4:4) full range in Matroska"),
    dict(name="av1_svt_bt709.mp4", size=(176, 144), rate="25", frames=20, src="testsrc2",
         enc=SVTAV1, codec="av1", optional=True, pix_fmt="yuv420p", tags="bt709", gop=10,
         notes="AV1 (libsvtav1) in MP4"),
    dict(name="av1_aom_10bit.mkv", size=(250, 130), rate="24", frames=15, src="noise",
         enc=AOMAV1, codec="av1", optional=True, pix_fmt="yuv420p10le", tags="untagged", gop=8,
         probe_tags=(None, "tv"),
         notes="AV1 (libaom-av1) 10-bit, no matrix (the AV1 sequence header always carries the range: tv)"),
    dict(name="mpeg4.avi", size=(320, 240), rate="25", frames=30, src="testsrc2",
         enc=MPEG4 + ["-bf", "0"], codec="mpeg4", pix_fmt="yuv420p", tags="untagged", gop=10,
         notes="MPEG-4 part 2 simple profile in AVI, no B-frames (avoids packed bitstream)"),
    dict(name="mpeg4_bframes.mkv", size=(176, 144), rate="25", frames=30, src="mix",
         enc=MPEG4 + ["-bf", "2"], codec="mpeg4", pix_fmt="yuv420p", tags="bt601", gop=12,
         notes="MPEG-4 part 2 with B-frames in Matroska"),
    dict(name="mjpeg_420.avi", size=(250, 130), rate="25", frames=20, src="mandelbrot",
         enc=MJPEG, codec="mjpeg", pix_fmt="yuvj420p", tags="jpeg",
         notes="MJPEG yuvj420p (full range) in AVI"),
    dict(name="mjpeg_422_odd.mov", size=(161, 97), rate="15", frames=15, src="noise",
         enc=MJPEG, codec="mjpeg", pix_fmt="yuvj422p", tags="jpeg",
         notes="MJPEG yuvj422p, odd size, in MOV"),
    dict(name="rot90.mp4", size=(320, 240), rate="25", frames=20, src="testsrc2",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="bt709", gop=10, rotate=90,
         notes="display matrix from -metadata:s:v:0 rotate=90 (stream-copy remux)"),
    dict(name="rot270.mp4", size=(250, 130), rate="25", frames=20, src="mix",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="untagged", gop=10, rotate=270,
         notes="display matrix from rotate=270, non-square odd-aspect size"),
    dict(name="rot180.mov", size=(176, 144), rate="25", frames=15, src="mandelbrot",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="bt601", gop=8, rotate=180,
         notes="display matrix from rotate=180 in MOV"),
    dict(name="vfr.mp4", size=(176, 144), rate="25", frames=30, src="testsrc2",
         enc=X264 + ["-bf", "0"], codec="h264", pix_fmt="yuv420p", tags="bt709", gop=10, vfr=True,
         notes="variable frame rate (gaps of 15..100 ms), no B-frames: packets carry stts durations"),
    dict(name="vfr_bframes.mp4", size=(250, 130), rate="25", frames=30, src="noise",
         enc=X264, codec="h264", pix_fmt="yuv420p", tags="untagged", gop=12, vfr=True,
         notes="variable frame rate with B-frames (the mov demuxer leaves packet durations at 0)"),
    dict(name="bframes.mp4", size=(320, 240), rate="25", frames=40, src="mix",
         enc=X264 + ["-bf", "3", "-x264-params", "b-adapt=0:b-pyramid=normal"], codec="h264",
         pix_fmt="yuv420p", tags="bt601", gop=16,
         notes="H.264 with 3 B-frames and B-pyramid (pts order != dts order), 3 GOPs"),
]

# VFR timestamps (ms): base 40 ms steps, plus a 25 ms jitter on 2 of every 5
# frames and a 60 ms jump every 7th frame.  Strictly increasing.
VFR_SETPTS = "settb=1/1000,setpts='(N*40+if(gt(mod(N\\,5)\\,2)\\,25\\,0)+floor(N/7)*60)/1000/TB'"


def _script_hash() -> str:
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    try:
        ver = subprocess.run([FFMPEG, "-hide_banner", "-version"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[0]
    except Exception:
        ver = "unknown"
    h.update(ver.encode())
    return h.hexdigest()[:16]


def _run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p


def _encode(clip: dict, outdir: Path) -> None:
    w, h = clip["size"]
    rate = clip["rate"]
    tags = TAGS[clip["tags"]]
    out = outdir / clip["name"]
    src = _src(clip["src"], w, h, rate)
    if clip.get("vfr"):
        # inside the input graph, so the lavfi stream itself has the 1/1000 time
        # base; `-enc_time_base -1` then hands it to the encoder.  (Put in -vf,
        # the encoder keeps the 1/25 time base and the gaps are rounded away.)
        src = src[:-len("[out0]")] + "," + VFR_SETPTS + "[out0]" if src.endswith("[out0]") else src + "," + VFR_SETPTS
    vf = []
    vf.append(f"scale={tags['scale']}")
    vf.append(f"format={clip['pix_fmt']}")
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y",
           "-f", "lavfi", "-i", src,
           "-frames:v", str(clip["frames"]),
           "-vf", ",".join(vf),
           *clip["enc"],
           "-pix_fmt", clip["pix_fmt"],
           *tags["args"]]
    if clip.get("gop"):
        cmd += ["-g", str(clip["gop"])]
    if clip.get("vfr"):
        cmd += ["-fps_mode", "passthrough", "-enc_time_base", "-1"]
    cmd += list(clip.get("extra", []))
    cmd += ["-an", "-map_metadata", "-1"]
    if clip.get("rotate"):
        tmp = outdir / ("tmp-" + clip["name"])
        _run(cmd + [str(tmp)])
        # The ffmpeg CLI only turns the `rotate` tag into a display matrix when
        # stream-copying; when encoding it is silently dropped (ffmpeg 5.1).
        _run([FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(tmp),
              "-c", "copy", "-metadata:s:v:0", f"rotate={clip['rotate']}", str(out)])
        tmp.unlink()
    else:
        _run(cmd + [str(out)])


def ffprobe_json(path, *args) -> dict:
    p = _run([FFPROBE, "-v", "error", "-of", "json", *args, str(path)])
    return json.loads(p.stdout)


def probe_info(path) -> dict:
    """Facts about the first video stream, as ffprobe sees them."""
    st = ffprobe_json(path, "-select_streams", "v:0", "-show_streams")["streams"][0]
    fr = ffprobe_json(path, "-select_streams", "v:0", "-show_frames", "-read_intervals", "%+#1",
                      "-show_entries", "frame=pix_fmt,color_space,color_range,width,height")["frames"][0]
    rot = 0.0
    for sd in st.get("side_data_list", []) or []:
        if "rotation" in sd:
            rot = float(sd["rotation"])
    return dict(codec=st["codec_name"], width=int(st["width"]), height=int(st["height"]),
                stream_pix_fmt=st.get("pix_fmt"), pix_fmt=fr.get("pix_fmt"),
                color_space=fr.get("color_space"), color_range=fr.get("color_range"),
                stream_color_space=st.get("color_space"), stream_color_range=st.get("color_range"),
                rotation=rot, time_base=st.get("time_base"))


def count_frames(path) -> int:
    st = ffprobe_json(path, "-select_streams", "v:0", "-count_frames",
                      "-show_entries", "stream=nb_read_frames")["streams"][0]
    return int(st["nb_read_frames"])


def _manifest_entry(clip: dict) -> dict:
    tags = TAGS[clip["tags"]]
    w, h = clip["size"]
    rot = clip.get("rotate", 0)
    probe_tags = clip.get("probe_tags", tags["probe"])
    return dict(
        file=clip["name"],
        container=Path(clip["name"]).suffix[1:],
        codec=clip["codec"],
        encoder=clip["enc"][1],
        pix_fmt=clip.get("probe_pix_fmt", clip["pix_fmt"]),
        width=w, height=h,
        display_width=h if rot in (90, 270) else w,
        display_height=w if rot in (90, 270) else h,
        frames=clip["frames"],
        rate=clip["rate"],
        source=clip["src"],
        tags=clip["tags"],
        ffprobe_color_space=probe_tags[0],
        ffprobe_color_range=probe_tags[1],
        ref_color_matrix=tags["matrix"],
        ref_color_range=tags["range"],
        rotate_tag=rot,
        vfr=bool(clip.get("vfr")),
        notes=clip.get("notes", ""),
    )


def _verify(outdir: Path, entry: dict) -> list[str]:
    """Check a generated clip against its manifest entry; return problems."""
    path = outdir / entry["file"]
    info = probe_info(path)
    errs = []

    def want(key, got, exp):
        if got != exp:
            errs.append(f"{entry['file']}: {key} is {got!r}, expected {exp!r}")

    want("codec", info["codec"], entry["codec"])
    want("pix_fmt", info["pix_fmt"], entry["pix_fmt"])
    want("size", (info["width"], info["height"]), (entry["width"], entry["height"]))
    want("color_space", info["color_space"], entry["ffprobe_color_space"])
    want("color_range", info["color_range"], entry["ffprobe_color_range"])
    n = count_frames(path)
    want("frame count", n, entry["frames"])
    if entry["rotate_tag"]:
        if info["rotation"] == 0:
            errs.append(f"{entry['file']}: no display matrix written")
    # ffprobe prints av_display_rotation_get() (counter-clockwise); the picture is
    # displayed after turning it clockwise by -that (fftools' autorotate).  With
    # ffmpeg 5.1, rotate=90 gives ffprobe 90 and transpose=cclock (cw 270).
    entry["ffprobe_rotation"] = info["rotation"]
    entry["rotation_cw"] = int(round(-info["rotation"])) % 360
    return errs


def available_encoders() -> set[str]:
    out = _run([FFMPEG, "-hide_banner", "-encoders"]).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0][0] in "VAS":
            names.add(parts[1])
    return names


def generate(outdir: Path, jobs: int = 2) -> dict:
    outdir.mkdir(parents=True, exist_ok=True)
    have = available_encoders()
    clips, skipped = [], {}
    for c in CLIPS:
        enc = c["enc"][1]
        if enc in have:
            clips.append(c)
        elif c.get("optional"):
            skipped[c["name"]] = f"encoder {enc} not available in this ffmpeg build"
        else:
            raise RuntimeError(f"{c['name']}: required encoder {enc} missing from {FFMPEG}")
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        list(ex.map(lambda c: _encode(c, outdir), clips))
    entries = [_manifest_entry(c) for c in clips]
    errs = []
    for e in entries:
        errs += _verify(outdir, e)
    if errs:
        raise RuntimeError("generated clips do not match their expectations:\n  " + "\n  ".join(errs))
    ffver = _run([FFMPEG, "-hide_banner", "-version"]).stdout.splitlines()[0]
    manifest = dict(
        generator="Tests/Parity/gen_videos.py",
        ffmpeg=ffver,
        reference_note=("CLI reference: ffmpeg -noautorotate -i FILE -vf "
                        "scale=flags=bicubic:in_color_matrix=<ref_color_matrix>:in_range=<ref_color_range>,"
                        "format=rgb24 -fps_mode passthrough -f rawvideo -"),
        clips=entries,
        skipped=skipped,
    )
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def cache_root() -> Path:
    return Path(os.environ.get("MMPREP_TEST_MEDIA_CACHE", str(DEFAULT_CACHE)))


def ensure_media(force: bool = False) -> tuple[Path, dict]:
    """Return (directory, manifest), generating the clips if the cache is cold."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    # keep the cache out of git without touching the repository's .gitignore
    gi = REPO_ROOT / ".cache" / ".gitignore"
    if root.is_relative_to(REPO_ROOT / ".cache") and not gi.exists():
        gi.write_text("*\n")
    final = root / f"videos-{_script_hash()}"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if force and final.exists():
            shutil.rmtree(final)
        if not (final / "manifest.json").exists():
            tmp = Path(tempfile.mkdtemp(prefix="videos-tmp-", dir=root))
            tmp.chmod(0o755)
            try:
                generate(tmp)
                if final.exists():
                    shutil.rmtree(final)
                tmp.rename(final)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp)
            # drop caches from older versions of this script
            for old in root.glob("videos-*"):
                if old != final and old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
    return final, json.loads((final / "manifest.json").read_text())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--force", action="store_true", help="regenerate even if cached")
    ap.add_argument("--list", action="store_true", help="print the clip table and exit")
    ap.add_argument("--out", type=Path, help="generate into this directory (no cache key)")
    a = ap.parse_args(argv)
    if a.list:
        for c in CLIPS:
            e = _manifest_entry(c)
            print(f"{e['file']:28s} {e['codec']:6s} {e['pix_fmt']:12s} {e['width']}x{e['height']:<4d} "
                  f"{e['frames']:3d}f tags={e['tags']:8s} ref={e['ref_color_matrix']}/{e['ref_color_range']} "
                  f"rot={e['rotate_tag']} vfr={e['vfr']}")
        return 0
    if a.out:
        generate(a.out)
        print(a.out)
        return 0
    d, _ = ensure_media(force=a.force)
    print(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
