"""Fast video sampling == full decode, byte for byte.

mmprep decodes only what the sampled frames need: unwanted non-reference pictures are
skipped (AVDISCARD_NONREF per packet), MJPEG packets that are not wanted are never decoded,
and the reader seeks to a decoder restart point (H.264 IDR, HEVC IDR/CRA/BLA, VP8/VP9 key
frame) across long gaps.  `MMPREP_VIDEO_FULL_DECODE=1` switches all of that off: every packet
is decoded, as before.  These tests decode the same frames both ways and require identical
output files, over clips made to be awkward (B-pyramids, open GOPs with leading pictures,
Annex B with in-band parameter sets, irregular key frames, CRA pictures, VP9 hidden alt-ref
frames, VFR, an edit list with discarded pre-roll packets, codecs without a fast path) and
sampling patterns from dense to a single frame, including the frames on either side of every
key frame.

`MMPREP_VIDEO_TRACE=1` makes mmprep say on stderr which path it took; the tests use it to make
sure the fast path really ran (and seeked) where it should, so a silent fallback to full
decoding cannot pass for parity.

Clips are generated once into a cache directory keyed by this file and the ffmpeg version
(<repo>/.cache/test-media/fastpath-<hash>/, parent overridable with MMPREP_TEST_MEDIA_CACHE).
The binary is $MMPREP_BIN (default .build/debug/mmprep); a missing binary fails the tests.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_videos as gv  # noqa: E402

REPO = gv.REPO_ROOT
MMPREP_BIN = os.environ.get("MMPREP_BIN", str(REPO / ".build" / "debug" / "mmprep"))
FFMPEG = gv.FFMPEG
TIMEOUT = 300

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20"]
SRC = "testsrc2=s={w}x{h}:r={r},format=yuv444p,noise=alls=10:allf=t,format=rgb24"
VFR = "settb=1/1000,setpts='(N*40+if(gt(mod(N\\,5)\\,2)\\,25\\,0)+floor(N/7)*60)/1000/TB'"

# name, seconds, rate, size, encoder args, extra options
#   fast:  the fast path must run (no fallback); seeks: it must seek at least once for the
#          sparse patterns; vfr: VFR timestamps; trim: stream-copy from this second (edit list)
CLIPS = [
    dict(name="h264_bpyramid.mp4", secs=8, rate=30,
         enc=X264 + ["-g", "60", "-bf", "3", "-x264-params", "b-adapt=0:b-pyramid=normal"],
         fast=True, seeks=True),
    dict(name="h264_adaptive_b.mkv", secs=8, rate=30, enc=X264 + ["-g", "60", "-bf", "3"],
         fast=True, seeks=True),
    dict(name="h264_open_gop.mp4", secs=8, rate=30,
         enc=X264 + ["-g", "30", "-bf", "3", "-x264-params", "open_gop=1:b-adapt=0:b-pyramid=normal"],
         fast=True, seeks=False),
    dict(name="h264_open_gop.mkv", secs=6, rate=25,
         enc=X264 + ["-g", "25", "-bf", "2", "-x264-params", "open_gop=1:b-adapt=0"],
         fast=True, seeks=False),
    dict(name="h264_annexb.ts", secs=8, rate=30, enc=X264 + ["-g", "30", "-bf", "2"],
         fast=True, seeks=False),
    dict(name="h264_irregular_keys.mp4", secs=10, rate=30,
         enc=X264 + ["-g", "250", "-bf", "3", "-force_key_frames", "expr:gte(t,n_forced*1.7+0.4*mod(n_forced,3))"],
         fast=True, seeks=True),
    dict(name="h264_no_b.mp4", secs=6, rate=30, enc=X264 + ["-g", "45", "-bf", "0"], fast=True, seeks=True),
    dict(name="h264_vfr_b.mp4", secs=8, rate=25, enc=X264 + ["-g", "30", "-bf", "3"], vfr=True,
         fast=True, seeks=True),
    dict(name="h264_editlist.mp4", secs=8, rate=30, enc=X264 + ["-g", "60", "-bf", "3"], trim=2.3,
         fast=True, seeks=True),
    dict(name="hevc_open_gop.mp4", secs=6, rate=30,
         enc=["-c:v", "libx265", "-preset", "ultrafast", "-crf", "26", "-tag:v", "hvc1",
              "-x265-params", "log-level=error:keyint=30:min-keyint=30:bframes=4:b-adapt=0"],
         fast=True, seeks=True),
    dict(name="hevc_closed_gop.mkv", secs=6, rate=25,
         enc=["-c:v", "libx265", "-preset", "ultrafast", "-crf", "26",
              "-x265-params", "log-level=error:keyint=25:min-keyint=25:open-gop=0:bframes=3"],
         fast=True, seeks=True),
    dict(name="vp9_altref.webm", secs=6, rate=30,
         enc=["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "36", "-deadline", "good", "-cpu-used", "8",
              "-auto-alt-ref", "1", "-lag-in-frames", "16", "-g", "30"],
         fast=True, seeks=True),
    dict(name="vp8.webm", secs=6, rate=30,
         enc=["-c:v", "libvpx", "-b:v", "400k", "-deadline", "good", "-cpu-used", "8", "-g", "30",
              "-auto-alt-ref", "0"],
         fast=True, seeks=True),
    dict(name="mpeg4_b.mkv", secs=6, rate=25, enc=["-c:v", "mpeg4", "-q:v", "5", "-bf", "2", "-g", "25"],
         fast=True, seeks=False),
    dict(name="mjpeg.avi", secs=3, rate=25, enc=["-c:v", "mjpeg", "-q:v", "5"], pix_fmt="yuvj420p",
         fast=True, seeks=False),
    dict(name="av1_svt.mp4", secs=4, rate=25, enc=["-c:v", "libsvtav1", "-preset", "12", "-crf", "40", "-g", "25"],
         fast=True, seeks=True, optional=True),
    dict(name="av1_aom.mkv", secs=4, rate=25,
         enc=["-c:v", "libaom-av1", "-cpu-used", "8", "-crf", "45", "-b:v", "0", "-g", "25", "-lag-in-frames", "10"],
         fast=True, seeks=True, optional=True),
]
SIZE = (192, 108)


def _key() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(subprocess.run([FFMPEG, "-hide_banner", "-version"], capture_output=True, text=True).stdout
             .splitlines()[0].encode())
    return h.hexdigest()[:16]


def _make(clip: dict, out: Path) -> None:
    w, h = SIZE
    src = SRC.format(w=w, h=h, r=clip["rate"])
    if clip.get("vfr"):
        src += "," + VFR
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", src,
           "-t", str(clip["secs"]), "-pix_fmt", clip.get("pix_fmt", "yuv420p"), *clip["enc"], "-an"]
    if clip.get("vfr"):
        cmd += ["-fps_mode", "passthrough", "-enc_time_base", "-1"]
    if clip.get("trim"):
        tmp = out.with_name("untrimmed-" + out.name)
        gv._run(cmd + [str(tmp)])
        gv._run([FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", "-ss", str(clip["trim"]),
                 "-i", str(tmp), "-c", "copy", str(out)])
        tmp.unlink()
    else:
        gv._run(cmd + [str(out)])


def ensure_clips() -> tuple[Path, dict]:
    root = gv.cache_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"fastpath-{_key()}"
    with open(root / ".lock-fastpath", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not final.exists():
            tmp = Path(tempfile.mkdtemp(prefix="fastpath-tmp-", dir=root))
            try:
                have = gv.available_encoders()
                skipped = []
                for c in CLIPS:
                    enc = c["enc"][c["enc"].index("-c:v") + 1]
                    if enc not in have:
                        if not c.get("optional"):
                            raise RuntimeError(f"{c['name']}: encoder {enc} missing")
                        skipped.append(c["name"])
                        continue
                    _make(c, tmp / c["name"])
                (tmp / "skipped.txt").write_text("\n".join(skipped))
                tmp.rename(final)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp)
            for old in root.glob("fastpath-*"):
                if old != final and old.is_dir() and not old.name.startswith("fastpath-tmp-"):
                    shutil.rmtree(old, ignore_errors=True)
    skipped = set(filter(None, (final / "skipped.txt").read_text().split("\n")))
    return final, {c["name"]: c for c in CLIPS if c["name"] not in skipped}


@pytest.fixture(scope="session")
def mmprep() -> str:
    p = Path(MMPREP_BIN)
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"mmprep binary not found or not executable: {p} (set MMPREP_BIN or build it)", pytrace=False)
    return str(p)


@pytest.fixture(scope="session")
def clips():
    return ensure_clips()


def clip_file(name: str, clips) -> Path:
    d, table = clips
    if name not in table:
        pytest.skip(f"{name}: encoder not available in this ffmpeg build")
    return d / name


# --------------------------------------------------------------------------- frames to sample

def display_info(path: Path) -> tuple[int, list[int]]:
    """(frame count, display indices of key-flagged packets) from ffprobe's packet list."""
    d = gv.ffprobe_json(path, "-select_streams", "v:0", "-show_entries", "packet=pts,dts,flags", "-show_packets")
    frames = []
    for p in d.get("packets", []):
        flags = p.get("flags") or ""
        if "D" in flags:
            continue
        ts = p.get("pts", "N/A")
        if ts in (None, "N/A"):
            ts = p.get("dts")
        frames.append((int(ts), "K" in flags))
    order = sorted(frames)
    keys = [i for i, (_, k) in enumerate(order) if k]
    return len(order), keys


def patterns(path: Path) -> dict[str, list[int] | None]:
    n, keys = display_info(path)
    rng = random.Random(path.name)
    edges = sorted({i for k in keys for i in (k - 2, k - 1, k, k + 1) if 0 <= i < n})
    return {
        "dense": None,
        "first": [0],
        "last": [n - 1],
        "first_last": [0, n - 1],
        "middle": [n // 2],
        "every7": list(range(3, n, 7)),
        "uniform8": sorted({round(i * (n - 1) / 7) for i in range(8)}),
        "random12": sorted(rng.sample(range(n), min(12, n))),
        "key_edges": edges,
        "after_keys": sorted({min(n - 1, k + 3) for k in keys[1:]}) or [n - 1],
    }


PATTERNS = ["dense", "first", "last", "first_last", "middle", "every7", "uniform8", "random12",
            "key_edges", "after_keys"]
PLANNED = {"fps2": ["--set", "video.fps=2"], "fps0.5": ["--set", "video.fps=0.5", "--set", "video.min_frames=2"],
           "frames8": ["--set", "video.frames=8"]}
SPARSE = {"middle", "last", "uniform8", "after_keys", "fps0.5", "frames8"}


# --------------------------------------------------------------------------- running mmprep

def run(mmprep: str, args: list, full: bool) -> tuple[bytes, str]:
    env = dict(os.environ, MMPREP_VIDEO_TRACE="1")
    env.pop("MMPREP_VIDEO_FULL_DECODE", None)
    if full:
        env["MMPREP_VIDEO_FULL_DECODE"] = "1"
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.safetensors"
        p = subprocess.run([mmprep, *map(str, args), "--output", str(out)], capture_output=True, env=env,
                           timeout=TIMEOUT)
        err = p.stderr.decode(errors="replace")
        assert p.returncode == 0, f"mmprep {' '.join(map(str, args))} failed (rc {p.returncode}):\n{err}"
        return out.read_bytes(), err


def trace_of(err: str) -> str:
    lines = [l for l in err.splitlines() if l.startswith("mmprep video trace:")]
    assert lines, f"no trace line on stderr:\n{err}"
    return "\n".join(lines)


def check(mmprep: str, clip: dict, args: list, sparse: bool):
    fast, fast_err = run(mmprep, args, full=False)
    full, full_err = run(mmprep, args, full=True)
    fast_trace = trace_of(fast_err)
    assert "full:" in trace_of(full_err), "MMPREP_VIDEO_FULL_DECODE=1 did not force the full decode"
    assert fast == full, f"fast path output differs from the full decode\nfast: {fast_trace}"
    if clip["fast"]:
        assert "fast:" in fast_trace and "abandoned" not in fast_trace, f"the fast path did not run: {fast_trace}"
        if sparse and clip["seeks"]:
            seeks = int(re.search(r"seeks (\d+)", fast_trace).group(1))
            assert seeks > 0, f"no seek for a sparse sample: {fast_trace}"
    return fast_trace


@pytest.mark.parametrize("pattern", PATTERNS + list(PLANNED))
@pytest.mark.parametrize("name", [c["name"] for c in CLIPS])
def test_decode_fast_equals_full(name, pattern, clips, mmprep):
    path = clip_file(name, clips)
    clip = clips[1][name]
    if pattern in PLANNED:
        args = ["decode", path, "--planned", "--pipeline", "qwen3-vl", *PLANNED[pattern]]
    else:
        indices = patterns(path)[pattern]
        args = ["decode", path] + (["--frames", ",".join(map(str, indices))] if indices is not None else [])
    check(mmprep, clip, args, sparse=pattern in SPARSE)


@pytest.mark.parametrize("pipeline,sampling", [("qwen3-vl", "fps2"), ("qwen3-vl", "frames8"),
                                               ("qwen2.5-vl", "fps0.5")])
@pytest.mark.parametrize("name", ["h264_bpyramid.mp4", "hevc_open_gop.mp4", "vp9_altref.webm", "h264_editlist.mp4"])
def test_preprocess_fast_equals_full(name, pipeline, sampling, clips, mmprep):
    path = clip_file(name, clips)
    check(mmprep, clips[1][name], ["preprocess", path, "--pipeline", pipeline, *PLANNED[sampling]],
          sparse=sampling in SPARSE)
