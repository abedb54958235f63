"""Video decode parity: `mmprep probe` / `mmprep decode` against the ffmpeg CLI.

What is checked, for every synthetic clip (gen_videos.py) and every real clip in
Tests/Fixtures/videos:

  * frame_count == the real number of frames (frames the ffmpeg CLI decodes with
    `-fps_mode passthrough`, cross-checked with `ffprobe -count_frames`), not the
    header's count;
  * fps == frame_count / (max(pts + duration) - min(pts)) over the stream's packets
    (torchcodec's exact mode; packets flagged discard skipped, dts when pts is
    missing), rel tol 1e-9; duration likewise;
  * width / height (display size) and rotation (clockwise degrees applied for
    display, as ffmpeg's autorotate turns the picture);
  * `decode --frames a,b,c,d` (first, last, two middle) is byte-identical to
        ffmpeg -noautorotate -i FILE -vf scale=flags=bicubic:in_color_matrix=M:in_range=R,format=rgb24
    where M/R come from the decoded frame's tags (untagged -> bt601/tv, yuvj* -> pc),
    rotated with numpy the way ffmpeg's autorotate turns the picture (that
    equivalence is asserted too);
  * for the synthetic clips, `decode` without --frames returns every frame, in
    presentation order.

The binary is $MMPREP_BIN (default .build/debug/mmprep).  A missing binary FAILS
the tests that need it; it never skips them.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_videos as gv  # noqa: E402

REPO = gv.REPO_ROOT
MMPREP_BIN = os.environ.get("MMPREP_BIN", str(REPO / ".build" / "debug" / "mmprep"))
FFMPEG = gv.FFMPEG
REAL_DIR = REPO / "Tests" / "Fixtures" / "videos"
REAL_CLIPS = ["realshort.mp4", "mov.mov", "3gp.3gp", "flv1.flv", "ball-576p-h264.mp4", "tree-cinepak.avi"]
GEN_CLIPS = [c["name"] for c in gv.CLIPS]
ALL_IDS = [f"gen/{n}" for n in GEN_CLIPS] + [f"real/{n}" for n in REAL_CLIPS]
ROTATED_IDS = [f"gen/{c['name']}" for c in gv.CLIPS if c.get("rotate")]

CMD_TIMEOUT = 300


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def mmprep() -> str:
    p = Path(MMPREP_BIN)
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"mmprep binary not found or not executable: {p} (set MMPREP_BIN or build it); "
                    "these tests fail rather than skip so CI cannot go green without the binary",
                    pytrace=False)
    return str(p)


@pytest.fixture(scope="session")
def media():
    d, manifest = gv.ensure_media()
    return d, {c["file"]: c for c in manifest["clips"]}, manifest.get("skipped", {})


def clip_path(clip_id: str, media) -> Path:
    kind, name = clip_id.split("/", 1)
    if kind == "gen":
        if name in media[2]:
            # only clips marked optional in gen_videos.CLIPS (AV1) can land here
            pytest.skip(f"{name}: {media[2][name]}")
        return media[0] / name
    p = REAL_DIR / name
    assert p.is_file(), f"real fixture missing: {p}"
    return p


# --------------------------------------------------------------------------- reference side

# ffprobe colour-space name -> the scale filter's in_color_matrix name, following
# what torchcodec does: sws_getCoefficients(frame->colorspace), whose table has
# BT.709 at indices 0 (gbr/rgb) and 1, FCC 4, SMPTE-240M 7, BT.2020 9/10, and
# BT.601 for everything else (unspecified, bt470bg, smpte170m, ycgco, ...).
_MATRIX = {
    "bt709": "bt709",
    "gbr": "bt709",
    "fcc": "fcc",
    "smpte240m": "smpte240m",
    "bt2020nc": "bt2020",
    "bt2020c": "bt2020",
}


def ref_tags(info: dict) -> tuple[str, str]:
    """(in_color_matrix, in_range) for the CLI reference, from the first decoded frame."""
    matrix = _MATRIX.get(info.get("color_space") or "unknown", "bt601")
    rng = info.get("color_range")
    if rng in ("pc", "tv"):
        r = rng
    else:
        r = "pc" if (info.get("pix_fmt") or "").startswith("yuvj") else "tv"
    return matrix, r


def packet_scan(path: Path) -> dict:
    """torchcodec exact-mode numbers from ffprobe -show_packets."""
    d = gv.ffprobe_json(path, "-select_streams", "v:0", "-show_entries",
                        "stream=time_base:packet=pts,dts,duration,flags",
                        "-show_packets", "-show_streams")
    tb = Fraction(d["streams"][0]["time_base"])
    n = 0
    lo = hi = None
    for p in d.get("packets", []):
        if "D" in (p.get("flags") or ""):
            continue
        ts = p.get("pts", p.get("dts"))
        if ts is None or ts == "N/A":
            continue
        ts = int(ts)
        dur = p.get("duration")
        dur = int(dur) if dur not in (None, "N/A") else 0
        n += 1
        lo = ts if lo is None else min(lo, ts)
        hi = ts + dur if hi is None else max(hi, ts + dur)
    duration = (hi - lo) * tb if n else Fraction(0)
    fps = Fraction(n) / duration if duration else None
    return dict(packets=n, duration=float(duration), fps=float(fps) if fps else None,
                duration_exact=duration, time_base=tb)


def spread_indices(n: int) -> list[int]:
    return sorted({0, n // 3, (2 * n) // 3, n - 1})


def rotation_op(ffprobe_rotation: float):
    """numpy op that turns a [n, H, W, 3] array the way ffmpeg's autorotate does.

    ffprobe reports av_display_rotation_get() (counter-clockwise degrees);
    fftools' get_rotation() takes theta = -that, and autorotate inserts
    transpose=clock for theta 90, transpose=cclock for 270, hflip+vflip for 180.
    """
    theta = int(round(-ffprobe_rotation)) % 360
    if theta == 0:
        return lambda a: a
    if theta == 90:    # transpose=clock
        return lambda a: np.ascontiguousarray(np.rot90(a, k=-1, axes=(1, 2)))
    if theta == 270:   # transpose=cclock
        return lambda a: np.ascontiguousarray(np.rot90(a, k=1, axes=(1, 2)))
    if theta == 180:   # hflip + vflip
        return lambda a: np.ascontiguousarray(a[:, ::-1, ::-1, :])
    raise AssertionError(f"odd rotation {ffprobe_rotation}")


def cli_rgb(path: Path, matrix: str, rng: str, w: int, h: int, keep, autorotate: bool = False):
    """Decode every frame with the ffmpeg CLI to rgb24; return (count, {index: frame}).

    `keep` is a set of indices to keep, or None for all.  Frames are streamed so
    long clips do not need all frames in memory.
    """
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error"]
    if not autorotate:
        cmd.append("-noautorotate")
    cmd += ["-i", str(path), "-map", "0:v:0", "-an", "-sn",
            "-vf", f"scale=flags=bicubic:in_color_matrix={matrix}:in_range={rng},format=rgb24",
            "-fps_mode", "passthrough", "-f", "rawvideo", "-"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    frames = {}
    n = 0
    fsize = w * h * 3
    try:
        while True:
            buf = p.stdout.read(fsize)
            if not buf:
                break
            assert len(buf) == fsize, f"{path.name}: short frame from the ffmpeg CLI ({len(buf)} of {fsize} bytes)"
            if keep is None or n in keep:
                frames[n] = np.frombuffer(buf, np.uint8).reshape(h, w, 3)
            n += 1
    finally:
        err = p.stderr.read().decode(errors="replace")
        rc = p.wait()
    assert rc == 0, f"ffmpeg CLI reference failed on {path}: {err}"
    return n, frames


class Ref:
    """Everything the reference side knows about one clip (computed once per session)."""

    def __init__(self, path: Path, keep_all: bool):
        self.path = path
        self.info = gv.probe_info(path)
        self.matrix, self.range = ref_tags(self.info)
        self.width, self.height = self.info["width"], self.info["height"]
        self.rotation = self.info["rotation"]          # ffprobe's number (counter-clockwise)
        self.rotate = rotation_op(self.rotation)
        # mmprep's `rotation`: the clockwise turn applied for display, as fftools'
        # get_rotation()/autorotate computes it (transpose=clock for 90)
        self.rotation_cw = int(round(-self.rotation)) % 360
        self.display = ((self.height, self.width) if self.rotation_cw in (90, 270)
                        else (self.width, self.height))
        self.ffprobe_count = gv.count_frames(path)
        self.pk = packet_scan(path)
        # First pass: count the frames and keep what we need.  The count is only
        # known after decoding, so keep everything for short clips and the four
        # spread indices (computed from ffprobe's count) otherwise.
        keep = None if keep_all else set(spread_indices(self.ffprobe_count))
        self.count, self._frames = cli_rgb(path, self.matrix, self.range, self.width, self.height, keep)
        self.indices = spread_indices(self.count)

    def frames(self, idx) -> np.ndarray:
        """Reference RGB frames at display orientation, [k, H, W, 3]."""
        missing = [i for i in idx if i not in self._frames]
        assert not missing, f"reference frames {missing} not kept for {self.path.name}"
        return self.rotate(np.stack([self._frames[i] for i in idx]))


_REFS: dict[str, Ref] = {}


def get_ref(clip_id: str, media) -> Ref:
    if clip_id not in _REFS:
        _REFS[clip_id] = Ref(clip_path(clip_id, media), keep_all=clip_id.startswith("gen/"))
    return _REFS[clip_id]


# --------------------------------------------------------------------------- mmprep side

def run_mmprep(mmprep: str, *args, timeout=CMD_TIMEOUT) -> subprocess.CompletedProcess:
    p = subprocess.run([mmprep, *map(str, args)], capture_output=True, timeout=timeout)
    return p


_PROBES: dict[str, dict] = {}


def mm_probe(mmprep: str, path: Path) -> dict:
    key = str(path)
    if key not in _PROBES:
        p = run_mmprep(mmprep, "probe", path, "--json")
        assert p.returncode == 0, (f"mmprep probe {path.name} failed (rc {p.returncode}):\n"
                                   f"{p.stderr.decode(errors='replace')}")
        try:
            _PROBES[key] = json.loads(p.stdout)
        except json.JSONDecodeError as e:
            raise AssertionError(f"mmprep probe --json output is not one JSON object: {e}\n{p.stdout[:2000]!r}")
    return _PROBES[key]


def mm_decode(mmprep: str, path: Path, out: Path, indices=None):
    args = ["decode", path, "--output", out]
    if indices is not None:
        args += ["--frames", ",".join(map(str, indices))]
    p = run_mmprep(mmprep, *args)
    assert p.returncode == 0, (f"mmprep {' '.join(map(str, args))} failed (rc {p.returncode}):\n"
                               f"{p.stderr.decode(errors='replace')}")
    from safetensors import safe_open
    with safe_open(str(out), framework="np") as f:
        meta = f.metadata() or {}
        assert "frames" in f.keys(), f"no 'frames' tensor in {out} (tensors: {list(f.keys())})"
        frames = f.get_tensor("frames")
    decoded_meta = {}
    for k, v in meta.items():
        try:
            decoded_meta[k] = json.loads(v)
        except (TypeError, json.JSONDecodeError):
            decoded_meta[k] = v
    return frames, decoded_meta


def describe_diff(got: np.ndarray, exp: np.ndarray, indices) -> str:
    if got.shape != exp.shape:
        return f"shape {got.shape} != reference {exp.shape}"
    if got.dtype != np.uint8:
        return f"dtype {got.dtype}, expected uint8"
    d = np.abs(got.astype(np.int16) - exp.astype(np.int16))
    lines = [f"max abs diff {int(d.max())}, mean {float(d.mean()):.4f}, "
             f"differing pixels {int((d.max(axis=-1) > 0).sum())} of {d.shape[0] * d.shape[1] * d.shape[2]}"]
    for k, i in enumerate(indices):
        dk = d[k]
        if dk.any():
            y, x = np.argwhere(dk.max(axis=-1) > 0)[0]
            lines.append(f"  frame {i}: max {int(dk.max())} per channel {dk.reshape(-1, 3).max(axis=0).tolist()}, "
                         f"{int((dk.max(axis=-1) > 0).sum())} px differ, first at (y={y}, x={x}) "
                         f"got {got[k, y, x].tolist()} want {exp[k, y, x].tolist()}")
    return "\n".join(lines)


def norm_rot(r) -> int:
    return int(round(float(r))) % 360


# --------------------------------------------------------------------------- reference self-checks
# (these need no binary; they prove the reference side is what the tests claim)

@pytest.mark.parametrize("clip_id", [f"gen/{n}" for n in GEN_CLIPS])
def test_reference_matches_manifest(clip_id, media):
    ref = get_ref(clip_id, media)
    m = media[1][clip_id.split("/", 1)[1]]
    assert (ref.matrix, ref.range) == (m["ref_color_matrix"], m["ref_color_range"]), \
        f"tags derived from ffprobe ({ref.matrix}/{ref.range}) differ from the manifest"
    assert ref.count == ref.ffprobe_count == m["frames"]
    assert ref.info["pix_fmt"] == m["pix_fmt"]


@pytest.mark.parametrize("clip_id", ALL_IDS)
def test_reference_counts_agree(clip_id, media):
    """CLI-decoded frames == ffprobe -count_frames == non-discarded packets."""
    ref = get_ref(clip_id, media)
    assert ref.count == ref.ffprobe_count, f"CLI decoded {ref.count}, ffprobe counted {ref.ffprobe_count}"
    assert ref.pk["packets"] == ref.count, \
        f"{ref.pk['packets']} packets but {ref.count} frames: fps definition would be ambiguous"


@pytest.mark.parametrize("clip_id", ROTATED_IDS)
def test_reference_rotation_matches_autorotate(clip_id, media):
    """numpy rotation of the -noautorotate frames == what ffmpeg's autorotate outputs."""
    ref = get_ref(clip_id, media)
    m = media[1][clip_id.split("/", 1)[1]]
    assert m["rotate_tag"] and ref.rotation_cw != 0
    dw, dh = ref.display
    n, auto = cli_rgb(ref.path, ref.matrix, ref.range, dw, dh, None, autorotate=True)
    assert n == ref.count
    idx = list(range(n))
    exp = np.stack([auto[i] for i in idx])
    got = ref.frames(idx)
    assert np.array_equal(got, exp), "numpy rotation != ffmpeg autorotate: " + describe_diff(got, exp, idx)
    # and the opposite direction must NOT match (guards against a symmetric no-op)
    if ref.rotation_cw in (90, 270):
        wrong = np.ascontiguousarray(got[:, ::-1, ::-1, :])
        assert not np.array_equal(wrong, exp)


# --------------------------------------------------------------------------- mmprep tests

@pytest.mark.parametrize("clip_id", ALL_IDS)
def test_probe_frame_count(clip_id, media, mmprep):
    ref = get_ref(clip_id, media)
    pr = mm_probe(mmprep, ref.path)
    assert pr.get("frame_count") == ref.count, \
        f"probe frame_count {pr.get('frame_count')!r}, real count {ref.count} (header-free count, ffprobe -count_frames)"


@pytest.mark.parametrize("clip_id", ALL_IDS)
def test_probe_fps(clip_id, media, mmprep):
    ref = get_ref(clip_id, media)
    pr = mm_probe(mmprep, ref.path)
    exp = Fraction(ref.count) / ref.pk["duration_exact"]
    got = pr.get("fps")
    assert isinstance(got, (int, float)), f"probe fps is {got!r}"
    assert got == pytest.approx(float(exp), rel=1e-9), \
        f"probe fps {got!r}, packet-scan fps {float(exp)!r} = {ref.count} / {float(ref.pk['duration_exact'])!r} s"


@pytest.mark.parametrize("clip_id", ALL_IDS)
def test_probe_duration(clip_id, media, mmprep):
    ref = get_ref(clip_id, media)
    pr = mm_probe(mmprep, ref.path)
    got = pr.get("duration")
    assert isinstance(got, (int, float)), f"probe duration is {got!r}"
    assert got == pytest.approx(ref.pk["duration"], rel=1e-9), \
        f"probe duration {got!r}, packet scan max(pts+dur)-min(pts) = {ref.pk['duration']!r}"


@pytest.mark.parametrize("clip_id", ALL_IDS)
def test_probe_geometry(clip_id, media, mmprep):
    ref = get_ref(clip_id, media)
    pr = mm_probe(mmprep, ref.path)
    # width/height: display size (after rotation); coded_width/coded_height, when
    # reported, the stream's coded size (mmprep's VideoInfo convention)
    got_wh = (pr.get("width"), pr.get("height"))
    assert got_wh == ref.display, \
        f"probe width/height {got_wh}, expected the display size {ref.display} (coded {ref.width}x{ref.height})"
    if "coded_width" in pr or "coded_height" in pr:
        assert (pr.get("coded_width"), pr.get("coded_height")) == (ref.width, ref.height)
    # rotation: clockwise degrees applied for display (what ffmpeg's autorotate
    # turns the picture by), NOT ffprobe's counter-clockwise display-matrix number.
    # With ffmpeg 5.1, `-metadata:s:v:0 rotate=90` gives ffprobe rotation 90 and
    # autorotate transpose=cclock, i.e. rotation 270 here.
    assert "rotation" in pr, "probe JSON has no rotation"
    assert norm_rot(pr["rotation"]) == ref.rotation_cw, \
        (f"probe rotation {pr['rotation']!r}, expected {ref.rotation_cw} (clockwise turn applied for display; "
         f"ffprobe's display-matrix rotation is {ref.rotation!r} counter-clockwise)")


@pytest.mark.parametrize("clip_id", ALL_IDS)
def test_decode_frames_exact(clip_id, media, mmprep, tmp_path):
    ref = get_ref(clip_id, media)
    idx = ref.indices
    frames, meta = mm_decode(mmprep, ref.path, tmp_path / "out.safetensors", idx)
    exp = ref.frames(idx)
    assert frames.dtype == np.uint8, f"frames dtype {frames.dtype}"
    assert frames.shape == exp.shape, \
        f"frames shape {frames.shape}, expected {exp.shape} (display orientation, rotation {ref.rotation})"
    assert np.array_equal(frames, exp), (
        f"{ref.path.name} frames {idx} differ from the ffmpeg CLI reference "
        f"(in_color_matrix={ref.matrix} in_range={ref.range}, pix_fmt {ref.info['pix_fmt']}):\n"
        + describe_diff(frames, exp, idx))
    assert meta.get("frame_indices") == idx, f"frame_indices metadata {meta.get('frame_indices')!r}"
    assert meta.get("frame_count") == ref.count, f"frame_count metadata {meta.get('frame_count')!r}"
    fps = meta.get("fps")
    exp_fps = float(Fraction(ref.count) / ref.pk["duration_exact"])
    assert isinstance(fps, (int, float)) and fps == pytest.approx(exp_fps, rel=1e-9), \
        f"fps metadata {fps!r}, expected {exp_fps!r}"
    rot = meta.get("rotation")
    assert isinstance(rot, (int, float)) and norm_rot(rot) == ref.rotation_cw, \
        f"rotation metadata {rot!r}, expected {ref.rotation_cw} (clockwise, mod 360)"


@pytest.mark.parametrize("clip_id", [f"gen/{n}" for n in GEN_CLIPS])
def test_decode_all_frames(clip_id, media, mmprep, tmp_path):
    """No --frames: every frame, in presentation order (checks B-frame / VFR ordering)."""
    ref = get_ref(clip_id, media)
    frames, meta = mm_decode(mmprep, ref.path, tmp_path / "all.safetensors")
    idx = list(range(ref.count))
    assert meta.get("frame_indices") == idx, f"frame_indices metadata {meta.get('frame_indices')!r}"
    exp = ref.frames(idx)
    assert frames.shape == exp.shape, f"frames shape {frames.shape}, expected {exp.shape}"
    assert np.array_equal(frames, exp), describe_diff(frames, exp, idx)
