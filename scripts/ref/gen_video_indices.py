#!/usr/bin/env python3
"""Generate Tests/Fixtures/video-indices.json from the REAL reference code.

Run inside the venv made by make-torch-venv.sh:

    /root/venvs/mmprep-ref-torch/bin/python scripts/ref/gen_video_indices.py \
        [--out Tests/Fixtures/video-indices.json] [--max-processor-total 200000]

Rules (see docs/reference-semantics.md section 5):
  qwen2          transformers Qwen2VLVideoProcessor.sample_frames   (qwen2-vl, qwen2.5-vl)
  qwen3          transformers Qwen3VLVideoProcessor.sample_frames   (qwen3-vl, qwen3.5)
                 + Qwen3VLProcessor._calculate_timestamps
  smart_nframes  qwen_vl_utils.vision_process._read_video_torchcodec (smart_nframes,
                 calculate_video_frame_range, torch.linspace(...).round().long())

Every case is also pushed through the real video processor on a synthetic video whose
frame k is a constant colour encoding k (R = k % 256, G = k // 256 % 256, B = k // 65536);
the source frame of every temporal slot of pixel_values_videos is recovered by inverting
the normalisation, which gives `padded_indices` and `grid_t` as the processor really
produced them.  For smart_nframes the qwen-vl-utils torchcodec reader itself is run with
a stand-in VideoDecoder (reporting the case's num_frames / average_fps and returning the
colour-coded frames), and its frames are then given to Qwen3VLVideoProcessor with
do_sample_frames=False, as transformers receives them from qwen-vl-utils.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import types
from fractions import Fraction
from importlib import metadata as md

import numpy as np
import torch

from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor
from transformers.models.qwen3_vl.processing_qwen3_vl import Qwen3VLProcessor
from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor
from transformers.video_utils import VideoMetadata
from qwen_vl_utils import vision_process as vp

T = 2  # temporal_patch_size of every Qwen VL preset

# Frame sizes for the processor runs (chosen so smart_resize keeps them as they are).
QWEN2_FRAME = 56  # factor 28
QWEN3_FRAME = 64  # factor 32
QWEN2_SIZE = {"shortest_edge": 56 * 56, "longest_edge": 10**12}
QWEN3_SIZE = {"shortest_edge": 32 * 32, "longest_edge": 10**12}

# --------------------------------------------------------------------------------------
# case table
# --------------------------------------------------------------------------------------

# (total frame count, video fps)
VIDEOS = [
    (1, 30.0), (2, 30.0), (3, 30.0), (4, 30.0), (5, 30.0), (7, 30.0), (8, 30.0),
    (16, 30.0), (31, 30.0), (60, 30.0), (61, 30.0), (100, 30.0), (301, 30.0),
    (17, 24.0), (250, 25.0), (48, 8.0), (1, 1.0), (9, 1.0),
    (2000, 1.0), (30000, 30.0), (100000, 60.0),
    (300, 29.97), (1000, 23.976), (899, 30000 / 1001), (1800, 30000 / 1001),
    (1234, 2500 / 83), (83, 2500 / 83), (811, 27.019),
    # long videos where float32 effects change indices: qwen2's float32 arange differs
    # from exact i*total/n (20959, 21505: last index), torch.linspace FMA vs non-FMA
    # rounding differs (64878, 82507)
    (20959, 30.0), (21505, 30.0), (64878, 30.0), (82507, 30.0), (199482, 30.0),
    # average_fps as torchcodec's exact mode reports it for an NTSC clip (time base 1/30000,
    # frame duration 1001): n / (double(n*1001) * 1 / 30000), one ulp off 30000/1001 for n=50
    (50, 50 / (float(50 * 1001) * 1 / 30000)), (899, 899 / (float(899 * 1001) * 1 / 30000)),
]
EXTRA_FPS = [1.0, 0.5, 4.0]
EXTRA_FPS_VIDEOS = [
    (7, 30.0), (31, 30.0), (61, 30.0), (301, 30.0), (2000, 1.0), (30000, 30.0),
    (300, 29.97), (899, 30000 / 1001), (1234, 2500 / 83),
]
# explicit frame counts: (total, video_fps, nframes)
NFRAMES = [
    (1, 30.0, 2), (2, 30.0, 2), (3, 30.0, 2), (7, 30.0, 1), (7, 30.0, 3), (7, 30.0, 4),
    (7, 30.0, 5), (7, 30.0, 6), (7, 30.0, 7), (7, 30.0, 8), (8, 30.0, 8), (31, 30.0, 16),
    (100, 30.0, 6), (100, 30.0, 9), (100, 30.0, 10), (301, 30.0, 16), (301, 30.0, 300),
    (301, 30.0, 301), (301, 30.0, 400), (1234, 2500 / 83, 64), (30000, 30.0, 768),
    (100000, 60.0, 1000),
]
# non-default min/max frames: (total, video_fps, fps, min_frames, max_frames)
MINMAX = [
    (2000, 1.0, 2.0, None, 64), (2000, 1.0, 2.0, None, 65), (100, 30.0, 2.0, 16, None),
    (100, 30.0, 2.0, 15, None), (100, 30.0, 2.0, 7, 7), (61, 30.0, 2.0, 5, None),
    (7, 30.0, 2.0, 2, None), (30000, 30.0, 2.0, 4, 1000), (300, 29.97, 2.0, 4, 33),
]
# smart_nframes with a time range: (total, video_fps, fps, video_start, video_end)
RANGES = [
    (301, 30.0, 2.0, 1.0, 5.0), (301, 30.0, 2.0, 2.5, None), (301, 30.0, 2.0, None, 3.3),
    (301, 30.0, 2.0, 0.0, 10.0), (301, 30.0, 2.0, 9.0, 20.0), (301, 30.0, 2.0, 5.0, 5.0),
    (300, 29.97, 2.0, 0.5, 2.0), (899, 30000 / 1001, 2.0, 1.0, 4.0),
    (899, 30000 / 1001, 1.0, 3.3, 27.1), (2000, 1.0, 2.0, 100.0, 1900.0),
    (1234, 2500 / 83, 2.0, 0.1, None), (100000, 60.0, 2.0, 10.0, 1000.0),
]


NOTES = [
    "indices: what the rule's sampling code returns (unpadded); null with 'error' when it raises",
    "padded_indices: indices with the last one repeated to a multiple of temporal_patch_size 2",
    "processor_checked: the real video processor was run on a colour-coded synthetic video and "
    "the source frame of every temporal slot of pixel_values_videos (and grid_t) equalled "
    "padded_indices; processor_error: the processor raised although sampling did not",
    "qwen2: torch.arange(0, total, total/n) as float32 then .int(): step=total/n (double), "
    "length ceil(total/step) (double; can be n+1, the extra index == total makes the processor "
    "raise IndexError); element i = trunc(float32(v)); for i < 16*floor(length/16) "
    "v = double(float32(step*j)) + (i-j)*step with j = i - i%8 (8-lane Vectorized<float>::arange), "
    "for the remaining tail v = step*i",
    "smart_nframes: torch.linspace(start, end, n) in float32 with step=float32(end-start)/float32(n-1); "
    "i < n//2: fma(step, i, start), else fma(-step, n-1-i, end), each rounded once to float32 "
    "(x86 AVX2/AVX512 builds contract to FMA; torch's DEFAULT build does not and differs for long videos); "
    "then round half to even",
    "qwen3: numpy.linspace(0, total-1, n) in float64 (i*step, last element = total-1), round half to even",
    "timestamps: Qwen3VLProcessor._calculate_timestamps(indices, video_fps, 2); for smart_nframes "
    "video_fps is qwen-vl-utils' metadata fps (the decoder's average_fps)",
]


def fps_label(x: float) -> str | None:
    for num, den in ((30000, 1001), (24000, 1001), (2500, 83)):
        if x == num / den:
            return f"{num}/{den}"
    return None


# --------------------------------------------------------------------------------------
# synthetic colour-coded video and decoding of pixel_values_videos
# --------------------------------------------------------------------------------------

def colour_video(total: int, size: int) -> torch.Tensor:
    """(total, 3, size, size) uint8, frame k constant (k%256, k//256%256, k//65536).

    Built with expand() so a 100000-frame video costs 300 KB; indexing it with the
    sampled indices materialises only the sampled frames."""
    k = torch.arange(total, dtype=torch.int64)
    rgb = torch.stack([k % 256, (k // 256) % 256, k // 65536], dim=1).to(torch.uint8)
    return rgb[:, :, None, None].expand(total, 3, size, size)


def decode_frames(pixel_values: torch.Tensor, grid_thw, patch: int, mean, std):
    """Recover the source frame id of every temporal slot (g, t) of one video."""
    gt, gh, gw = (int(v) for v in grid_thw)
    pv = pixel_values.to(torch.float64).reshape(gt, gh * gw, 3, T, patch * patch)
    mean = torch.tensor(mean, dtype=torch.float64)[None, None, :, None, None]
    std = torch.tensor(std, dtype=torch.float64)[None, None, :, None, None]
    u8 = (pv * std + mean) * 255.0
    r = u8.round()
    max_dev = float((u8 - r).abs().max())
    # every value of one (g, c, t) block must be the same constant
    const = bool((r == r[:, :1, :, :, :1]).all())
    ids = []
    for g in range(gt):
        for t in range(T):
            c = [int(r[g, 0, ch, t, 0]) for ch in range(3)]
            ids.append(c[0] + 256 * c[1] + 65536 * c[2])
    return ids, max_dev, const


# --------------------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------------------

def pad_last(indices):
    out = list(indices)
    if out and len(out) % T:
        out += [out[-1]] * (T - len(out) % T)
    return out


def qwen3_timestamps(indices, video_fps):
    # the real method; it only uses its arguments (self is unused) and extends a list in place
    ts = Qwen3VLProcessor._calculate_timestamps(None, list(indices), video_fps, T)
    return [float(t) for t in ts]


def run_qwen2(c, args):
    proc = Qwen2VLVideoProcessor()
    md_ = VideoMetadata(total_num_frames=c["total"], fps=c["video_fps"])
    kw = {}
    if c["nframes"] is not None:
        kw["num_frames"] = c["nframes"]
    else:
        kw["fps"] = c["fps"]
    if c["min_frames"] is not None:
        kw["min_frames"] = c["min_frames"]
    if c["max_frames"] is not None:
        kw["max_frames"] = c["max_frames"]
    try:
        idx = proc.sample_frames(md_, temporal_patch_size=T, **kw)
    except Exception as e:  # noqa: BLE001
        c["error"] = f"{type(e).__name__}: {e}"
        return c
    c["indices"] = [int(v) for v in idx.tolist()]
    c["padded_indices"] = pad_last(c["indices"])
    c["grid_t"] = len(c["padded_indices"]) // T
    md_.frames_indices = c["indices"]
    c["sampled_fps"] = float(md_.sampled_fps)
    c["second_per_grid_ts"] = T / c["sampled_fps"]
    if c["total"] <= args.max_processor_total:
        video = colour_video(c["total"], QWEN2_FRAME)
        try:
            out = proc(
                videos=[video],
                video_metadata=[{"total_num_frames": c["total"], "fps": c["video_fps"]}],
                do_sample_frames=True,
                size=QWEN2_SIZE,
                cap_pixels_per_frame=False,
                return_metadata=True,
                return_tensors="pt",
                **kw,
            )
        except Exception as e:  # noqa: BLE001
            c["processor_error"] = f"{type(e).__name__}: {e}"
            return c
        check_processor(c, out, proc.patch_size, proc.image_mean, proc.image_std)
    return c


def run_qwen3(c, args):
    init = {}
    if c["min_frames"] is not None:
        init["min_frames"] = c["min_frames"]
    if c["max_frames"] is not None:
        init["max_frames"] = c["max_frames"]
    # Qwen3VLVideoProcessor.sample_frames reads min/max frames from the instance
    # (self.min_frames / self.max_frames), not from call kwargs.
    proc = Qwen3VLVideoProcessor(**init)
    md_ = VideoMetadata(total_num_frames=c["total"], fps=c["video_fps"])
    kw = {"num_frames": c["nframes"]} if c["nframes"] is not None else {"fps": c["fps"]}
    try:
        idx = proc.sample_frames(md_, **kw)
        if "num_frames" in kw:
            # preprocess() fills fps from self.fps (2) and sample_frames rejects fps together
            # with num_frames, so a num_frames call has to pass fps=None explicitly
            kw["fps"] = None
    except Exception as e:  # noqa: BLE001
        c["error"] = f"{type(e).__name__}: {e}"
        return c
    c["indices"] = [int(v) for v in np.asarray(idx).tolist()]
    c["padded_indices"] = pad_last(c["indices"])
    c["grid_t"] = len(c["padded_indices"]) // T
    c["timestamps"] = qwen3_timestamps(c["indices"], c["video_fps"])
    c["timestamp_texts"] = [f"<{t:.1f} seconds>" for t in c["timestamps"]]
    if c["total"] <= args.max_processor_total:
        video = colour_video(c["total"], QWEN3_FRAME)
        try:
            out = proc(
                videos=[video],
                video_metadata=[{"total_num_frames": c["total"], "fps": c["video_fps"]}],
                do_sample_frames=True,
                size=QWEN3_SIZE,
                cap_pixels_per_frame=False,
                return_metadata=True,
                return_tensors="pt",
                **kw,
            )
        except Exception as e:  # noqa: BLE001
            c["processor_error"] = f"{type(e).__name__}: {e}"
            return c
        if check_processor(c, out, proc.patch_size, proc.image_mean, proc.image_std):
            m = out["video_metadata"][0]
            ts = qwen3_timestamps(m.frames_indices, m.fps)
            if ts != c["timestamps"]:
                c["processor_checked"] = False
                c["processor_mismatch"] = "timestamps"
    return c


def check_processor(c, out, patch, mean, std):
    grid = out["video_grid_thw"][0].tolist()
    ids, max_dev, const = decode_frames(out["pixel_values_videos"], grid, patch, mean, std)
    m = out["video_metadata"][0]
    meta_idx = [int(v) for v in np.asarray(m.frames_indices).tolist()]
    ok = (
        const
        and max_dev < 0.01
        and int(grid[0]) == c["grid_t"]
        and ids == c["padded_indices"]
        and meta_idx == c["indices"]
    )
    c["processor_checked"] = ok
    c["processor_max_dev"] = round(max_dev, 6)
    if not ok:
        c["processor_indices"] = ids
        c["processor_grid_t"] = int(grid[0])
        c["processor_metadata_indices"] = meta_idx
    return ok


class _FakeMeta:
    def __init__(self, num_frames, average_fps):
        self.num_frames = num_frames
        self.average_fps = average_fps


class _FakeDecoder:
    """Stands in for torchcodec.decoders.VideoDecoder inside qwen-vl-utils' reader."""

    total = 0
    video_fps = 0.0

    def __init__(self, path, num_ffmpeg_threads=None, **kw):
        self.metadata = _FakeMeta(_FakeDecoder.total, _FakeDecoder.video_fps)

    def get_frames_at(self, indices):
        video = colour_video(_FakeDecoder.total, QWEN3_FRAME)
        return types.SimpleNamespace(data=video[torch.as_tensor(indices, dtype=torch.long)].contiguous())


def run_smart_nframes(c, args):
    ele = {"video": "synthetic.mp4"}
    if c["nframes"] is not None:
        ele["nframes"] = c["nframes"]
    else:
        ele["fps"] = c["fps"]
    for k in ("min_frames", "max_frames", "video_start", "video_end"):
        if c[k] is not None:
            ele[k] = c[k]
    _FakeDecoder.total, _FakeDecoder.video_fps = c["total"], c["video_fps"]
    saved = {k: sys.modules.get(k) for k in ("torchcodec", "torchcodec.decoders")}
    fake = types.ModuleType("torchcodec.decoders")
    fake.VideoDecoder = _FakeDecoder
    sys.modules["torchcodec.decoders"] = fake
    if saved["torchcodec"] is None:
        sys.modules["torchcodec"] = types.ModuleType("torchcodec")
    try:
        video, meta, sample_fps = vp._read_video_torchcodec(ele)
    except Exception as e:  # noqa: BLE001
        c["error"] = f"{type(e).__name__}: {e}"
        return c
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    c["indices"] = [int(v) for v in meta["frames_indices"]]
    c["range_total"] = int(meta["total_num_frames"])
    c["padded_indices"] = pad_last(c["indices"])
    c["grid_t"] = len(c["padded_indices"]) // T
    c["sampled_fps"] = float(sample_fps)
    # timestamps as Qwen3VLProcessor computes them from qwen-vl-utils' metadata
    c["timestamps"] = qwen3_timestamps(c["indices"], meta["fps"])
    c["timestamp_texts"] = [f"<{t:.1f} seconds>" for t in c["timestamps"]]
    # frames really returned by the reader
    k = video.to(torch.int64)[:, :, 0, 0]
    got = (k[:, 0] + 256 * k[:, 1] + 65536 * k[:, 2]).tolist()
    if got != c["indices"]:
        c["processor_checked"] = False
        c["processor_mismatch"] = "reader frames"
        c["reader_frames"] = got
        return c
    proc = Qwen3VLVideoProcessor()
    try:
        out = proc(
            videos=[video],
            video_metadata=[meta],
            do_sample_frames=False,
            size=QWEN3_SIZE,
            cap_pixels_per_frame=False,
            return_metadata=True,
            return_tensors="pt",
        )
    except Exception as e:  # noqa: BLE001
        c["processor_error"] = f"{type(e).__name__}: {e}"
        return c
    # with do_sample_frames=False the processor's slots are positions in `video`
    grid = out["video_grid_thw"][0].tolist()
    ids, max_dev, const = decode_frames(out["pixel_values_videos"], grid, proc.patch_size,
                                        proc.image_mean, proc.image_std)
    ok = const and max_dev < 0.01 and int(grid[0]) == c["grid_t"] and ids == c["padded_indices"]
    c["processor_checked"] = ok
    c["processor_max_dev"] = round(max_dev, 6)
    if not ok:
        c["processor_indices"] = ids
        c["processor_grid_t"] = int(grid[0])
    return c


# --------------------------------------------------------------------------------------

def new_case(rule, total, video_fps, fps=None, nframes=None, min_frames=None, max_frames=None,
             video_start=None, video_end=None):
    c = {
        "rule": rule, "total": total, "video_fps": float(video_fps), "fps": fps,
        "nframes": nframes, "min_frames": min_frames, "max_frames": max_frames,
        "video_start": video_start, "video_end": video_end,
    }
    lab = fps_label(video_fps)
    if lab:
        c["video_fps_exact"] = lab
    c.update({"indices": None, "padded_indices": None, "grid_t": None, "processor_checked": False})
    return c


def build_cases():
    cases = []
    rules = ("qwen2", "qwen3", "smart_nframes")
    for rule in rules:
        for total, vf in VIDEOS:
            cases.append(new_case(rule, total, vf, fps=2.0))
        for fps in EXTRA_FPS:
            for total, vf in EXTRA_FPS_VIDEOS:
                cases.append(new_case(rule, total, vf, fps=fps))
        for total, vf, n in NFRAMES:
            cases.append(new_case(rule, total, vf, nframes=n))
        for total, vf, fps, mn, mx in MINMAX:
            cases.append(new_case(rule, total, vf, fps=fps, min_frames=mn, max_frames=mx))
    for total, vf, fps, s, e in RANGES:
        cases.append(new_case("smart_nframes", total, vf, fps=fps, video_start=s, video_end=e))
    return cases


def defaults():
    q2, q3 = Qwen2VLVideoProcessor, Qwen3VLVideoProcessor
    return {
        "qwen2": {
            "class": "transformers Qwen2VLVideoProcessor",
            "min_frames": q2.min_frames, "max_frames": q2.max_frames,
            "fps": getattr(q2, "fps", None), "num_frames": getattr(q2, "num_frames", None),
            "do_sample_frames": q2.do_sample_frames,
            "temporal_patch_size": q2.temporal_patch_size, "patch_size": q2.patch_size,
            "merge_size": q2.merge_size, "size": dict(q2.size),
            "cap_pixels_per_frame": q2.cap_pixels_per_frame, "max_video_tokens": q2.max_video_tokens,
            "note": "class has no fps default (None: with do_sample_frames and no num_frames, all "
                    "frames are kept); cases use fps=2.0, the qwen-vl-utils / Qwen2.5-VL convention",
        },
        "qwen3": {
            "class": "transformers Qwen3VLVideoProcessor",
            "min_frames": q3.min_frames, "max_frames": q3.max_frames, "fps": q3.fps,
            "num_frames": q3.num_frames, "do_sample_frames": q3.do_sample_frames,
            "temporal_patch_size": q3.temporal_patch_size, "patch_size": q3.patch_size,
            "merge_size": q3.merge_size, "size": dict(q3.size),
            "cap_pixels_per_frame": q3.cap_pixels_per_frame, "max_video_tokens": q3.max_video_tokens,
            "note": "sample_frames reads min_frames/max_frames from the instance, not from call kwargs",
        },
        "smart_nframes": {
            "module": "qwen_vl_utils.vision_process",
            "fps": vp.FPS, "min_frames": vp.FPS_MIN_FRAMES, "max_frames": vp.FPS_MAX_FRAMES,
            "frame_factor": vp.FRAME_FACTOR, "video_min_token_num": vp.VIDEO_MIN_TOKEN_NUM,
            "video_max_token_num": vp.VIDEO_MAX_TOKEN_NUM, "model_seq_len": vp.MODEL_SEQ_LEN,
            "spatial_merge_size": vp.SPATIAL_MERGE_SIZE,
        },
    }


def check_formulas(cases):
    """Re-derive every case's indices from the formulas in NOTES (pure Python/numpy)."""
    f32 = np.float32

    def q2(total, n):
        step = total / n
        size = math.ceil(total / step)
        whole = size // 16 * 16
        out = []
        for i in range(size):
            if i < whole:
                j = i - i % 8
                v = float(f32(step * j)) + (i - j) * step
            else:
                v = step * i
            out.append(int(f32(v)))
        return out

    def lin32(s, e, n):
        if n == 1:
            return [s]
        step = float(f32(f32(e) - f32(s)) / f32(n - 1))
        out = []
        for i in range(n):
            if i < n // 2:
                v = f32(s + step * float(i))  # exact in double, one rounding = fma
            else:
                v = f32(e - step * float(n - 1 - i))
            out.append(int(np.round(v)))
        return out

    def lin64(total, n):
        if n == 1:
            return [0]
        step = (total - 1) / (n - 1)
        v = [i * step for i in range(n)]
        v[-1] = total - 1
        return [round(x) for x in v]

    bad = 0
    for c in cases:
        idx = c["indices"]
        if idx is None:
            continue
        if c["rule"] == "qwen2":
            if c["nframes"] is not None:
                n = round(c["nframes"] / T) * T
            else:
                mn = c["min_frames"] if c["min_frames"] is not None else 4
                mx = c["max_frames"] if c["max_frames"] is not None else 768
                maxf = math.floor(min(mx, c["total"]) / T) * T
                n = math.floor(min(max(c["total"] / c["video_fps"] * c["fps"], mn), maxf, c["total"]) / T) * T
            ok = q2(c["total"], n) == idx
        elif c["rule"] == "qwen3":
            ok = lin64(c["total"], len(idx)) == idx
        else:
            start = idx[0] if c["video_start"] is not None else 0
            end = start + c["range_total"] - 1
            ok = lin32(start, end, len(idx)) == idx
        if not ok:
            bad += 1
            print(f"  FORMULA MISMATCH {c['rule']} total={c['total']} video_fps={c['video_fps']} "
                  f"fps={c['fps']} nframes={c['nframes']}")
    return bad


def dump(obj, path):
    head = {k: v for k, v in obj.items() if k != "cases"}
    with open(path, "w") as f:
        f.write("{\n")
        for k, v in head.items():
            f.write(f"{json.dumps(k)}: {json.dumps(v, separators=(',', ':'), allow_nan=False)},\n")
        f.write('"cases": [\n')
        lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in obj["cases"]]
        f.write(",\n".join(lines))
        f.write("\n]}\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, "..", "..", "Tests", "Fixtures", "video-indices.json"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--max-processor-total", type=int, default=200000,
                    help="skip the processor run for videos with more frames than this")
    args = ap.parse_args()

    import transformers.utils.logging as tlog
    tlog.set_verbosity_error()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    runners = {"qwen2": run_qwen2, "qwen3": run_qwen3, "smart_nframes": run_smart_nframes}
    cases = [runners[c["rule"]](c, args) for c in build_cases()]

    versions = {}
    for pkg in ("transformers", "qwen-vl-utils", "torch", "torchvision", "torchcodec", "numpy"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = sys.version.split()[0]
    versions["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    obj = {
        "generated_with": versions,
        "generator": "scripts/ref/gen_video_indices.py",
        "defaults": defaults(),
        "notes": NOTES,
        "cases": cases,
    }
    dump(obj, args.out)
    n_err = sum(1 for c in cases if "error" in c)
    n_chk = sum(1 for c in cases if c["processor_checked"])
    n_perr = sum(1 for c in cases if "processor_error" in c)
    bad = [c for c in cases if "error" not in c and not c["processor_checked"] and "processor_error" not in c]
    print(f"{len(cases)} cases -> {args.out} ({os.path.getsize(args.out)} bytes); "
          f"{n_chk} processor-checked, {n_err} sampling errors, {n_perr} processor errors, "
          f"{len(bad)} unchecked/mismatched")
    for c in cases:
        if "error" in c or "processor_error" in c:
            print(f"  {c['rule']} total={c['total']} fps={c['fps']} nframes={c['nframes']}: "
                  f"{c.get('error') or c.get('processor_error')}")
    for c in bad:
        print(f"  MISMATCH {c['rule']} total={c['total']} video_fps={c['video_fps']} fps={c['fps']} "
              f"nframes={c['nframes']}: {c.get('processor_mismatch', '')}")
    n_formula = check_formulas(cases)
    print(f"formulas in NOTES reproduce {len(cases) - n_err - n_formula} of {len(cases) - n_err} sampled cases")
    return 1 if bad or n_formula else 0


if __name__ == "__main__":
    sys.exit(main())
