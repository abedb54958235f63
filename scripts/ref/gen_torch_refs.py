#!/usr/bin/env python3
"""Generate Tests/Fixtures/torch-refs.json (and Tests/Fixtures/torch-images/*.png) from the REAL
torch-path references.

Run inside the venv made by make-torch-venv.sh:

    /root/venvs/mmprep-ref-torch/bin/python scripts/ref/gen_torch_refs.py \
        [--out Tests/Fixtures/torch-refs.json] [--shared /work/shared]

Three modes, each produced with the reference's own code (the exact calls are written into the
fixture's top-level "recipes" field):

  torchvision  images: transformers 5.24 Qwen2VLImageProcessor (the TorchvisionBackend class, not
               the Pil fallback; checked) with each preset's published preprocessor_config.json,
               input PIL.ImageOps.exif_transpose(PIL.Image.open(path)), return_tensors="pt".
  torch-float  videos, preset qwen2.5-vl: qwen_vl_utils.fetch_video (FORCE_QWENVL_VIDEO_READER=
               torchcodec) -> Qwen2VLVideoProcessor(published Qwen2.5-VL config)(videos=[video],
               do_resize=False, do_sample_frames=False).
  torch-uint8  videos, preset qwen3-vl: Qwen3VLVideoProcessor(published Qwen3-VL
               video_preprocessor_config.json)(videos=path, do_sample_frames=True,
               return_metadata=True): transformers' own load_video -> read_video_torchcodec
               (VideoDecoder exact mode, VideoMetadata(total_num_frames=num_frames,
               fps=average_fps, ...)), the processor's sample_frames, then its own uint8 resize.

Each case stores the output tensor's shape, grid_thw, sha256 of its float32 little-endian bytes,
256 sampled (flat index, float32 bits) pairs, the frame indices (videos) and sha256 of the decoded
and of the resized uint8 frames (packed [n, H, W, 3] RGB, before temporal padding/repetition), so a
mismatch can be located in decoding, in the resize kernel or in normalisation/patchify.

Self-checks (the script exits non-zero if one fails):
  * the image processor is transformers' torchvision class (backend "torchvision");
  * every output equals the fused normalisation recomputed in numpy from the captured resized
    uint8 frames, (float32(u8) - float32(mean*255)) / float32(std*255), patchified as in
    docs/reference-semantics.md section 6 (so the formula and layout in "recipes" are exact);
  * qwen-vl-utils' frames are integer-valued floats in [0, 255];
  * torch-float: the processor's default do_resize=True gives the same bytes as do_resize=False;
  * torch-uint8: the hand-mirrored route (VideoDecoder + VideoMetadata + sample_frames +
    get_frames_at, then the processor with do_sample_frames=False) gives the same bytes as the
    processor's own loading.
"""

from __future__ import annotations

import os

# qwen-vl-utils reads this at import time.
os.environ["FORCE_QWENVL_VIDEO_READER"] = "torchcodec"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from importlib import metadata as md  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

import torchcodec  # noqa: E402
import torchcodec._core as tc_core  # noqa: E402
from torchcodec.decoders import VideoDecoder  # noqa: E402

import transformers  # noqa: E402
from transformers.image_processing_backends import TorchvisionBackend  # noqa: E402
from transformers.image_utils import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD  # noqa: E402
from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor  # noqa: E402
from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor  # noqa: E402
from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor  # noqa: E402
from transformers.video_utils import VideoMetadata  # noqa: E402

from qwen_vl_utils import vision_process as qvp  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SEED = 20251129
N_SAMPLES = 256

# ------------------------------------------------------------------------------------------
# published configs
# ------------------------------------------------------------------------------------------

# preprocessor_config.json of the hub checkpoints (as in Tests/Parity/reference_images.py)
IMAGE_CONFIGS = {
    "qwen2-vl": dict(min_pixels=3136, max_pixels=12845056, patch_size=14, temporal_patch_size=2,
                     merge_size=2, image_mean=list(OPENAI_CLIP_MEAN), image_std=list(OPENAI_CLIP_STD)),
    "qwen2.5-vl": dict(min_pixels=3136, max_pixels=12845056, patch_size=14, temporal_patch_size=2,
                       merge_size=2, image_mean=list(OPENAI_CLIP_MEAN), image_std=list(OPENAI_CLIP_STD)),
    "qwen3-vl": dict(size={"longest_edge": 16777216, "shortest_edge": 65536}, patch_size=16,
                     temporal_patch_size=2, merge_size=2, image_mean=[0.5, 0.5, 0.5],
                     image_std=[0.5, 0.5, 0.5]),
    "qwen3.5": dict(size={"longest_edge": 16777216, "shortest_edge": 65536}, patch_size=16,
                    temporal_patch_size=2, merge_size=2, image_mean=[0.5, 0.5, 0.5],
                    image_std=[0.5, 0.5, 0.5]),
}
IMAGE_PRESETS = list(IMAGE_CONFIGS)
# Large images run for one preset per config family (qwen2.5-vl / qwen3.5 share qwen2-vl's /
# qwen3-vl's published config; their outputs are identical).
LARGE_PRESETS = ("qwen2-vl", "qwen3-vl")

# Qwen2.5-VL: the video processor is built from the same preprocessor_config.json (no separate
# video config in the hub repo); with do_resize=False only mean/std/patch/merge/T matter.
QWEN25_VIDEO_CONFIG = dict(min_pixels=3136, max_pixels=12845056, patch_size=14, temporal_patch_size=2,
                           merge_size=2, image_mean=list(OPENAI_CLIP_MEAN), image_std=list(OPENAI_CLIP_STD))
# Qwen3-VL video_preprocessor_config.json
QWEN3_VIDEO_CONFIG = dict(size={"longest_edge": 25165824, "shortest_edge": 4096}, patch_size=16,
                          temporal_patch_size=2, merge_size=2, image_mean=[0.5, 0.5, 0.5],
                          image_std=[0.5, 0.5, 0.5], fps=2, min_frames=4, max_frames=768,
                          do_sample_frames=True, resample=3, do_resize=True, do_rescale=True,
                          do_normalize=True, do_convert_rgb=True, return_metadata=False)

# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------

GEN_DIR_REL = "Tests/Fixtures/torch-images"
SHARED_PHONE = "media/images/phone-4000x3000.jpg"


def _noise(w, h, seed, channels=3):
    rng = np.random.default_rng([SEED, seed])
    return rng.integers(0, 256, size=(h, w, channels), dtype=np.uint8)


def _pattern(w, h):
    """Structured, PNG-compressible content (checkerboard cells, ramps, diagonal stripes, lines)."""
    y, x = np.mgrid[0:h, 0:w]
    cell = ((x // 97) + (y // 89)) % 2
    r = (cell * 150 + (x * 255 // w) // 2).astype(np.uint8)
    g = (y * 255 // h).astype(np.uint8)
    b = np.where(((x + y) // 53) % 2 == 0, 230, 20).astype(np.uint8)
    b[(x % 211) < 2] = 0
    r[(y % 173) < 3] = 255
    return np.stack([r, g, b], -1)


def _levels(w, h, seed):
    """Every uint8 level in every channel, PNG-compressible: (7x + 13y + 85c) mod 256 XOR 2-bit noise."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(7 * x + 13 * y + 85 * c) % 256 for c in range(3)], -1).astype(np.uint8)
    return base ^ _noise(w, h, seed, 3) & 3


def _rgba(w, h, seed):
    a = _noise(w, h, seed, 4)
    a[: h // 3, :, 3] = 255          # opaque band
    a[h // 3: 2 * h // 3, :, 3] = 0  # transparent band
    return a                          # last band: random alpha


# (file name, builder, Pillow mode, what it covers)
GENERATED = [
    ("noise-37x100.png", lambda: _noise(37, 100, 1), "RGB", "odd size, upscaled to the min bound"),
    ("noise-100x37.png", lambda: _noise(100, 37, 2), "RGB", "odd size, upscaled to the min bound"),
    ("noise-3x500.png", lambda: _noise(3, 500, 3), "RGB", "aspect 166:1 tall, width 3 -> one factor"),
    ("noise-500x3.png", lambda: _noise(500, 3, 4), "RGB", "aspect 166:1 wide, height 3 -> one factor"),
    ("noise-10x10.png", lambda: _noise(10, 10, 5), "RGB", "tiny, large upscale to the min bound"),
    ("noise-1x1.png", lambda: _noise(1, 1, 6), "RGB", "single pixel, upscaled to the min bound"),
    ("levels-224x448.png", lambda: _levels(224, 448, 7), "RGB",
     "already a multiple of 28 and 32 inside the bounds: no resize (normalisation + patchify only)"),
    ("noise-253x171.png", lambda: _noise(253, 171, 8), "RGB", "random content, mild resize"),
    ("noise-rgba-64x48.png", lambda: _rgba(64, 48, 9), "RGBA", "alpha composited onto white"),
    ("noise-grey-50x70.png", lambda: _noise(50, 70, 10, 1)[..., 0], "L", "grey -> 3 equal channels"),
    ("pattern-4800x3600.png", lambda: _pattern(4800, 3600), "RGB",
     "17.3 Mpx: above both max bounds (12845056, 16777216), downscaled"),
]
LARGE_FILES = {"pattern-4800x3600.png", SHARED_PHONE}


def write_generated(repo: Path) -> list[dict]:
    out_dir = repo / GEN_DIR_REL
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, build, mode, note in GENERATED:
        arr = build()
        path = out_dir / name
        im = Image.fromarray(arr)
        assert im.mode == mode, (name, im.mode, mode)
        im.save(path, "PNG", optimize=True)
        entries.append({"name": name, "input": f"{GEN_DIR_REL}/{name}", "source": "main", "note": note})
    return entries


def sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(b) -> str:
    return hashlib.sha256(b).hexdigest()


# ------------------------------------------------------------------------------------------
# tensor helpers
# ------------------------------------------------------------------------------------------

def f32_bytes(t: torch.Tensor) -> bytes:
    a = t.detach().cpu().contiguous().numpy()
    assert a.dtype == np.float32, a.dtype
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


def frames_nhwc_u8(t: torch.Tensor) -> np.ndarray:
    """[..., n, 3, H, W] (uint8, or integer-valued float) -> packed [n, H, W, 3] uint8."""
    a = t.detach().cpu()
    if a.dtype != torch.uint8:
        assert a.is_floating_point()
        assert bool((a == a.round()).all()) and float(a.min()) >= 0 and float(a.max()) <= 255, \
            "frames are not integer-valued in [0, 255]"
        a = a.to(torch.uint8)
    a = a.reshape(-1, *a.shape[-3:])
    return np.ascontiguousarray(a.permute(0, 2, 3, 1).numpy())


def frames_record(a: np.ndarray) -> dict:
    return {"shape": list(a.shape), "sha256": sha256_bytes(a.tobytes())}


def pick_samples(pv: np.ndarray, case_id: str) -> list:
    flat = pv.reshape(-1)
    n = flat.size
    if n <= N_SAMPLES:
        idx = np.arange(n)
    else:
        rng = np.random.default_rng([SEED, zlib.crc32(case_id.encode())])
        inner = rng.choice(np.arange(1, n - 1), size=N_SAMPLES - 2, replace=False)
        idx = np.unique(np.concatenate([[0, n - 1], inner]))
    bits = flat.view(np.uint32)
    return [[int(i), format(int(bits[i]), "08x")] for i in idx]


def fused_constants(mean, std, rescale_factor=1 / 255):
    """What TorchvisionBackend._fuse_mean_std_and_rescale_factor produces (float32 tensors)."""
    m = torch.tensor(mean) * (1.0 / rescale_factor)
    s = torch.tensor(std) * (1.0 / rescale_factor)
    assert m.dtype == torch.float32 and s.dtype == torch.float32
    return m.numpy(), s.numpy()


def f32_hex(v) -> str:
    return format(int(np.float32(v).view(np.uint32)), "08x")


def numpy_reference(frames_nhwc: np.ndarray, mean, std, p, m, t, repeat_to_t: bool) -> np.ndarray:
    """Recompute pixel values: fused normalisation in float32 then patchify (reference-semantics 6)."""
    m255, s255 = fused_constants(mean, std)
    x = frames_nhwc.astype(np.float32)
    y = (x - m255.astype(np.float32)) / s255.astype(np.float32)      # float32 ops, correctly rounded
    assert y.dtype == np.float32
    n, H, W, C = y.shape
    if repeat_to_t:
        y = np.repeat(y, t, axis=0)
        n = y.shape[0]
    pad = -n % t
    if pad:
        y = np.concatenate([y, np.repeat(y[-1:], pad, axis=0)], axis=0)
        n += pad
    gt, gh, gw = n // t, H // p, W // p
    a = y.reshape(gt, t, gh // m, m, p, gw // m, m, p, C)
    # -> [g, bh, bw, mh, mw, c, t, py, px]
    a = a.transpose(0, 2, 5, 3, 6, 8, 1, 4, 7)
    return np.ascontiguousarray(a.reshape(gt * gh * gw, C * t * p * p)), [gt, gh, gw]


def smart_resize_branch(h, w, f, lo, hi, frames=None):
    hb, wb = round(h / f) * f, round(w / f) * f
    if frames is not None:
        if h < f or w < f:
            sc = max(f / h, f / w)
            h, w = int(h * sc), int(w * sc)
            hb, wb = round(h / f) * f, round(w / f) * f
        prod = round(frames / 2) * 2 * hb * wb
    else:
        prod = hb * wb
    return "max" if prod > hi else ("min" if prod < lo else "none")


# ------------------------------------------------------------------------------------------
# capture hooks
# ------------------------------------------------------------------------------------------

class Capture:
    """Wraps processor.resize / processor.rescale_and_normalize on the instance to keep their
    inputs and outputs (the processor calls self.resize / self.rescale_and_normalize)."""

    def __init__(self, proc):
        self.proc = proc
        self.resize_in = []
        self.resize_out = []
        self.norm_in = []
        self.norm_args = []
        orig_resize = proc.resize
        orig_norm = proc.rescale_and_normalize

        def resize(*a, **k):
            x = k.get("images", k.get("videos", k.get("image", a[0] if a else None)))
            out = orig_resize(*a, **k)
            self.resize_in.append(x.detach().clone())
            self.resize_out.append(out.detach().clone())
            return out

        def rescale_and_normalize(images, *a, **k):
            self.norm_in.append(images.detach().clone())
            self.norm_args.append((a, k))
            return orig_norm(images, *a, **k)

        proc.resize = resize
        proc.rescale_and_normalize = rescale_and_normalize


@contextlib.contextmanager
def capture_qvp_resize(store: dict):
    """Capture qwen-vl-utils' torchvision.transforms.functional.resize call in fetch_video."""
    tvf = qvp.transforms.functional
    orig = tvf.resize

    def wrapper(img, size, *a, **k):
        out = orig(img, size, *a, **k)
        store.setdefault("calls", []).append({"size": list(size), "args": [str(x) for x in a],
                                              "kwargs": {kk: str(vv) for kk, vv in k.items()},
                                              "in_dtype": str(img.dtype), "out_dtype": str(out.dtype)})
        store["in"] = img.detach().clone()
        store["out"] = out.detach().clone()
        return out

    tvf.resize = wrapper
    try:
        yield store
    finally:
        tvf.resize = orig


def _no_fallback(ele):
    raise RuntimeError("qwen-vl-utils fell back from torchcodec to its torchvision reader")


# ------------------------------------------------------------------------------------------
# cases
# ------------------------------------------------------------------------------------------

FAILURES: list[str] = []


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("CHECK FAILED:", msg, file=sys.stderr)


def image_case(preset, rel, source, abs_path, note):
    cfg = IMAGE_CONFIGS[preset]
    proc = Qwen2VLImageProcessor(**cfg)
    check(isinstance(proc, TorchvisionBackend) and proc.backend == "torchvision"
          and type(proc).__name__ == "Qwen2VLImageProcessor",
          f"{preset}: image processor is {type(proc).__mro__} backend {getattr(proc, 'backend', None)}")
    cap = Capture(proc)
    img = ImageOps.exif_transpose(Image.open(abs_path))
    mode_in = img.mode
    out = proc(images=img, return_tensors="pt")
    pv, grid = out["pixel_values"], out["image_grid_thw"]
    check(pv.dtype == torch.float32, f"{rel}: dtype {pv.dtype}")
    p, m, t = cfg["patch_size"], cfg["merge_size"], cfg["temporal_patch_size"]
    resized = frames_nhwc_u8(cap.norm_in[0])
    decoded = frames_nhwc_u8(cap.resize_in[0]) if cap.resize_in else resized
    want, g = numpy_reference(resized, cfg["image_mean"], cfg["image_std"], p, m, t, repeat_to_t=True)
    pvn = pv.numpy()
    check(want.shape == pvn.shape and np.array_equal(want.view(np.uint32), pvn.view(np.uint32)),
          f"{preset} {rel}: numpy fused-normalisation recomputation differs from the processor")
    check([g] == grid.tolist(), f"{preset} {rel}: grid {grid.tolist()} vs {g}")
    case_id = f"image/{preset}/{rel}"
    H, W = decoded.shape[1:3]
    f = p * m
    lo = cfg["size"]["shortest_edge"] if "size" in cfg else cfg["min_pixels"]
    hi = cfg["size"]["longest_edge"] if "size" in cfg else cfg["max_pixels"]
    return {
        "id": case_id,
        "kind": "image",
        "preset": preset,
        "mode": "torchvision",
        "input": rel,
        "source": source,
        "input_sha256": None,  # filled by caller
        "large": Path(rel).name in {Path(x).name for x in LARGE_FILES},
        "note": note,
        "pil_mode": mode_in,
        "mmprep_set": ["image.resample=torchvision"],
        "normalisation": "clip" if preset.startswith("qwen2") else "half",
        "patch": [p, m, t],
        "tensor": "pixel_values",
        "grid_name": "image_grid_thw",
        "shape": list(pvn.shape),
        "grid_thw": grid.tolist(),
        "bound": smart_resize_branch(H, W, f, lo, hi),
        "decoded": frames_record(decoded),
        "resized": frames_record(resized),
        "sha256": sha256_bytes(f32_bytes(pv)),
        "samples": pick_samples(pvn, case_id),
    }


def video_case_qwen25(rel, source, abs_path):
    cfg = QWEN25_VIDEO_CONFIG
    qvp.VIDEO_READER_BACKENDS["torchvision"] = _no_fallback
    store = {}
    with capture_qvp_resize(store):
        (video, vmeta), sample_fps = qvp.fetch_video({"video": str(abs_path)}, image_patch_size=14,
                                                     return_video_sample_fps=True,
                                                     return_video_metadata=True)
    check(vmeta.get("video_backend") == "torchcodec", f"{rel}: backend {vmeta.get('video_backend')}")
    check(video.dtype == torch.float32, f"{rel}: fetch_video dtype {video.dtype}")
    integral = bool((video == video.round()).all())
    vmin, vmax = float(video.min()), float(video.max())
    check(integral and vmin >= 0 and vmax <= 255, f"{rel}: fetch_video frames not integers in [0,255]")
    decoded = frames_nhwc_u8(store["in"]) if "in" in store else frames_nhwc_u8(video)
    proc = Qwen2VLVideoProcessor(**cfg)
    cap = Capture(proc)
    out = proc(videos=[video], do_resize=False, do_sample_frames=False, return_tensors="pt")
    pv, grid = out["pixel_values_videos"], out["video_grid_thw"]
    check(not cap.resize_in, f"{rel}: processor resized although do_resize=False")
    check(cap.norm_in[0].dtype == torch.float32, f"{rel}: normalise input {cap.norm_in[0].dtype}")
    resized = frames_nhwc_u8(cap.norm_in[0])
    check(np.array_equal(resized, frames_nhwc_u8(video)), f"{rel}: processor input != fetch_video output")
    p, m, t = cfg["patch_size"], cfg["merge_size"], cfg["temporal_patch_size"]
    want, g = numpy_reference(resized, cfg["image_mean"], cfg["image_std"], p, m, t, repeat_to_t=False)
    pvn = pv.numpy()
    check(want.shape == pvn.shape and np.array_equal(want.view(np.uint32), pvn.view(np.uint32)),
          f"qwen2.5-vl {rel}: numpy fused-normalisation recomputation differs from the processor")
    check([g] == grid.tolist(), f"{rel}: grid {grid.tolist()} vs {g}")
    # what Qwen2_5_VLProcessor would pass by default (do_resize=True): same size -> no-op
    proc2 = Qwen2VLVideoProcessor(**cfg)
    out2 = proc2(videos=[video], do_sample_frames=False, cap_pixels_per_frame=False, return_tensors="pt")
    check(f32_bytes(out2["pixel_values_videos"]) == f32_bytes(pv),
          f"{rel}: do_resize=True differs from do_resize=False")
    case_id = f"video/qwen2.5-vl/{rel}"
    return {
        "id": case_id,
        "kind": "video",
        "preset": "qwen2.5-vl",
        "mode": "torch-float",
        "input": rel,
        "source": source,
        "input_sha256": None,
        "large": False,
        "mmprep_set": ["video.resample=torch-float"],
        "normalisation": "clip",
        "patch": [p, m, t],
        "tensor": "pixel_values_videos",
        "grid_name": "video_grid_thw",
        "shape": list(pvn.shape),
        "grid_thw": grid.tolist(),
        "frame_indices": [int(i) for i in vmeta["frames_indices"]],
        "video_fps": float(vmeta["fps"]),
        "total_num_frames": int(vmeta["total_num_frames"]),
        "sample_fps": float(sample_fps),
        "fetch_video_frames": {"dtype": str(video.dtype), "integer_valued": integral, "min": vmin,
                               "max": vmax, "resize_called": "calls" in store,
                               "resize_in_dtype": store["calls"][0]["in_dtype"] if "calls" in store else None},
        "decoded": frames_record(decoded),
        "resized": frames_record(resized),
        "sha256": sha256_bytes(f32_bytes(pv)),
        "samples": pick_samples(pvn, case_id),
    }


def video_case_qwen3(rel, source, abs_path):
    cfg = QWEN3_VIDEO_CONFIG
    proc = Qwen3VLVideoProcessor(**cfg)
    cap = Capture(proc)
    out = proc(videos=str(abs_path), return_metadata=True, return_tensors="pt")
    pv, grid = out["pixel_values_videos"], out["video_grid_thw"]
    vm = out["video_metadata"][0]
    indices = [int(i) for i in vm.frames_indices]
    check(vm.video_backend == "torchcodec", f"{rel}: backend {vm.video_backend}")
    decoded = frames_nhwc_u8(cap.resize_in[0])
    resized = frames_nhwc_u8(cap.norm_in[0])
    check(cap.norm_in[0].dtype == torch.uint8, f"{rel}: normalise input {cap.norm_in[0].dtype}")
    p, m, t = cfg["patch_size"], cfg["merge_size"], cfg["temporal_patch_size"]
    want, g = numpy_reference(resized, cfg["image_mean"], cfg["image_std"], p, m, t, repeat_to_t=False)
    pvn = pv.numpy()
    check(want.shape == pvn.shape and np.array_equal(want.view(np.uint32), pvn.view(np.uint32)),
          f"qwen3-vl {rel}: numpy fused-normalisation recomputation differs from the processor")
    check([g] == grid.tolist(), f"{rel}: grid {grid.tolist()} vs {g}")

    # hand-mirrored route (transformers.video_utils.read_video_torchcodec), must be identical
    dec = VideoDecoder(str(abs_path), seek_mode="exact", num_ffmpeg_threads=0, device="cpu")
    meta = VideoMetadata(total_num_frames=dec.metadata.num_frames, fps=dec.metadata.average_fps,
                         duration=dec.metadata.duration_seconds, video_backend="torchcodec",
                         height=dec.metadata.height, width=dec.metadata.width)
    proc2 = Qwen3VLVideoProcessor(**cfg)
    idx2 = proc2.sample_frames(meta)
    frames = dec.get_frames_at(indices=idx2).data.contiguous()
    out2 = proc2(videos=[frames], do_sample_frames=False, return_tensors="pt")
    check([int(i) for i in idx2] == indices, f"{rel}: mirrored indices {list(idx2)} vs {indices}")
    check(np.array_equal(frames_nhwc_u8(frames), decoded), f"{rel}: mirrored decode differs")
    check(f32_bytes(out2["pixel_values_videos"]) == f32_bytes(pv), f"{rel}: mirrored route differs")

    n = len(indices)
    H, W = decoded.shape[1:3]
    case_id = f"video/qwen3-vl/{rel}"
    return {
        "id": case_id,
        "kind": "video",
        "preset": "qwen3-vl",
        "mode": "torch-uint8",
        "input": rel,
        "source": source,
        "input_sha256": None,
        "large": False,
        "mmprep_set": ["video.resample=torch-uint8"],
        "normalisation": "half",
        "patch": [p, m, t],
        "tensor": "pixel_values_videos",
        "grid_name": "video_grid_thw",
        "shape": list(pvn.shape),
        "grid_thw": grid.tolist(),
        "frame_indices": indices,
        "video_fps": float(vm.fps),
        "total_num_frames": int(vm.total_num_frames),
        "bound": smart_resize_branch(H, W, p * m, cfg["size"]["shortest_edge"],
                                     cfg["size"]["longest_edge"], frames=n),
        "decoded": frames_record(decoded),
        "resized": frames_record(resized),
        "sha256": sha256_bytes(f32_bytes(pv)),
        "samples": pick_samples(pvn, case_id),
    }


# ------------------------------------------------------------------------------------------
# recipes (written into the fixture)
# ------------------------------------------------------------------------------------------

def normalisation_constants():
    out = {}
    for name, (mean, std) in {"clip": (OPENAI_CLIP_MEAN, OPENAI_CLIP_STD),
                              "half": ([0.5] * 3, [0.5] * 3)}.items():
        m255, s255 = fused_constants(list(mean), list(std))
        # cross-check: float32(float32(mean) * 255) (the product is exact in double, rounded once)
        alt_m = (np.float32(mean).astype(np.float64) * 255.0).astype(np.float32)
        alt_s = (np.float32(std).astype(np.float64) * 255.0).astype(np.float32)
        check(np.array_equal(alt_m.view(np.uint32), m255.view(np.uint32))
              and np.array_equal(alt_s.view(np.uint32), s255.view(np.uint32)),
              f"fused constants {name} are not float32(float32(v) * 255)")
        out[name] = {
            "mean": list(mean), "std": list(std),
            "mean255_f32_hex": [f32_hex(v) for v in m255], "std255_f32_hex": [f32_hex(v) for v in s255],
            "mean255_f32": [float(v) for v in m255], "std255_f32": [float(v) for v in s255],
        }
    return out


RECIPES = {
    "torchvision": {
        "presets": {p: IMAGE_CONFIGS[p] for p in IMAGE_PRESETS},
        "normalisation": "clip for qwen2-vl/qwen2.5-vl, half for qwen3-vl/qwen3.5",
        "calls": [
            "proc = transformers.models.qwen2_vl.image_processing_qwen2_vl.Qwen2VLImageProcessor(**config)"
            "   # TorchvisionBackend subclass, proc.backend == 'torchvision' (checked)",
            "img = PIL.ImageOps.exif_transpose(PIL.Image.open(path))",
            "out = proc(images=img, return_tensors='pt')",
        ],
        "what_it_does": [
            "process_image: transformers.image_transforms.convert_to_rgb(img, return_numpy=True): images with "
            "alpha ('A' band or info['transparency']) -> convert('RGBA'), PIL.Image.alpha_composite(white, img)"
            ".convert('RGB'); others img.convert('RGB'); then torch.from_numpy(...).permute(2, 0, 1).contiguous()"
            " (uint8 CHW)",
            "resize: (h, w) = smart_resize(H, W, factor=patch*merge, min_pixels=size.shortest_edge, "
            "max_pixels=size.longest_edge); torchvision.transforms.v2.functional.resize(x_uint8[1,3,H,W], [h, w], "
            "interpolation=BICUBIC, antialias=True): returns the input unchanged when (h, w) == (H, W); otherwise "
            "the CPU uint8 path (no float cast; torch's native uint8 antialiased bicubic kernel)",
            "rescale_and_normalize (fused): mean255 = torch.tensor(mean) * (1.0 / rescale_factor), std255 = "
            "torch.tensor(std) * (1.0 / rescale_factor) (float32 tensors; 1.0/(1/255) == 255.0 exactly); "
            "torchvision.transforms.v2.functional.normalize(x.to(float32), mean255, std255) = "
            "x.sub_(mean255).div_(std255) in float32: y = float32(float32(u8) - mean255[c]) / std255[c]",
            "patchify: the image is repeated temporal_patch_size times (expand), layout as "
            "docs/reference-semantics.md section 6",
        ],
    },
    "torch-float": {
        "preset": "qwen2.5-vl",
        "env": {"FORCE_QWENVL_VIDEO_READER": "torchcodec", "TORCHCODEC_NUM_THREADS": "unset (qwen-vl-utils default 8)"},
        "video_processor_config": QWEN25_VIDEO_CONFIG,
        "normalisation": "clip",
        "calls": [
            "(video, video_metadata), sample_fps = qwen_vl_utils.fetch_video({'video': path}, image_patch_size=14, "
            "return_video_sample_fps=True, return_video_metadata=True)"
            "   # qwen_vl_utils.vision_process.VIDEO_READER_BACKENDS['torchvision'] replaced by a function that "
            "raises, so a torchcodec failure cannot silently fall back",
            "proc = transformers.models.qwen2_vl.video_processing_qwen2_vl.Qwen2VLVideoProcessor(**video_processor_config)",
            "out = proc(videos=[video], do_resize=False, do_sample_frames=False, return_tensors='pt')",
        ],
        "what_it_does": [
            "fetch_video -> _read_video_torchcodec: VideoDecoder(path, num_ffmpeg_threads=8) (default seek_mode "
            "'exact'); video_fps = metadata.average_fps; total = metadata.num_frames; nframes = smart_nframes; "
            "idx = torch.linspace(0, total-1, nframes).round().long(); frames = decoder.get_frames_at(idx).data "
            "(uint8 [n,3,H,W])",
            "per-frame bounds: min_pixels = 128*28*28, max_pixels = max(min(768*28*28, total_pixels/n*2), "
            "int(min_pixels*1.05)) with total_pixels = 128000*28*28*0.9; (h, w) = qwen-vl-utils smart_resize(H, W, "
            "factor=28, ...)",
            "torchvision.transforms.functional.resize (v1) (video_uint8, [h, w], BICUBIC, antialias=True): returns "
            "the input unchanged when [h, w] == [H, W]; otherwise _functional_tensor.resize: x.to(float32) -> "
            "torch.nn.functional.interpolate(mode='bicubic', align_corners=False, antialias=True) in float32 -> "
            "clamp(0, 255) -> round (half to even) -> to(uint8); then .float()",
            "=> the processor receives float32 frames that are exact integers in [0, 255] (checked per case)",
            "Qwen2VLVideoProcessor with do_resize=False: no resize; rescale_and_normalize is fused exactly as for "
            "images (do_rescale=True, rescale_factor=1/255): mean255/std255 float32, x.sub_(mean255).div_(std255) "
            "on the float frames, so there is no separate /255 step; frames padded to a multiple of "
            "temporal_patch_size by repeating the last one; patchify as reference-semantics section 6",
            "do_resize=True (the processor default that Qwen2_5_VLProcessor would use with qwen-vl-utils' "
            "video_kwargs {'do_sample_frames': False}) gives the same bytes: smart_resize of an already resized "
            "frame is the same size and v2 resize returns it unchanged (checked per case)",
        ],
    },
    "torch-uint8": {
        "preset": "qwen3-vl",
        "video_processor_config": QWEN3_VIDEO_CONFIG,
        "normalisation": "half",
        "calls": [
            "proc = transformers.models.qwen3_vl.video_processing_qwen3_vl.Qwen3VLVideoProcessor(**video_processor_config)",
            "out = proc(videos=path, return_metadata=True, return_tensors='pt')   # do_sample_frames=True from the config",
        ],
        "what_it_does": [
            "fetch_videos -> transformers.video_utils.load_video(path, backend='torchcodec', sample_indices_fn="
            "partial(proc.sample_frames, ...)) -> read_video_torchcodec: VideoDecoder(path, seek_mode='exact', "
            "num_ffmpeg_threads=0, device='cpu'); VideoMetadata(total_num_frames=metadata.num_frames, "
            "fps=metadata.average_fps, duration=metadata.duration_seconds, video_backend='torchcodec', "
            "height, width); indices = sample_frames(metadata): n = min(max(int(total/fps*2), 4), 768, total), "
            "np.linspace(0, total-1, n).round().astype(int); frames = decoder.get_frames_at(indices).data",
            "resize: (h, w) = qwen3_vl smart_resize(num_frames=n, H, W, temporal_factor=2, factor=32, "
            "min_pixels=4096, max_pixels=25165824) (cap_pixels_per_frame unset -> False); "
            "torchvision.transforms.v2.functional.resize(uint8 [1,n,3,H,W], [h, w], BICUBIC, antialias=True): "
            "unchanged when (h, w) == (H, W), else torch's native uint8 antialiased bicubic kernel on CPU",
            "rescale_and_normalize fused as for images (float32 mean255 = 127.5, std255 = 127.5): "
            "y = float32(float32(u8) - 127.5) / 127.5",
            "frames padded to a multiple of 2 by repeating the last one; patchify as reference-semantics section 6",
            "checked per case: the hand-mirrored route (VideoDecoder(path, seek_mode='exact', num_ffmpeg_threads=0)"
            " + VideoMetadata(...) + proc.sample_frames(metadata) + get_frames_at(indices).data.contiguous() + "
            "proc(videos=[frames], do_sample_frames=False)) gives the same indices, frames and bytes",
        ],
    },
}


def versions():
    v = {}
    for pkg in ("torch", "torchvision", "torchcodec", "transformers", "qwen-vl-utils", "pillow", "numpy"):
        try:
            v[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            v[pkg] = None
    v["ffmpeg (torchcodec)"] = tc_core.get_ffmpeg_library_versions().get("ffmpeg_version")
    v["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    v["machine"] = platform.machine()
    v["python"] = platform.python_version()
    return v


# ------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(REPO / "Tests/Fixtures/torch-refs.json"))
    ap.add_argument("--shared", default=os.environ.get("MMPREP_SHARED", "/work/shared"))
    args = ap.parse_args()
    shared = Path(args.shared)
    t0 = time.time()
    assert torchvision.__version__ and torchcodec.__version__ and transformers.__version__

    # ---- inputs
    images = []
    for p in sorted((REPO / "Tests/Fixtures/images").iterdir()):
        if p.is_file():
            images.append({"input": str(p.relative_to(REPO)), "source": "main", "note": "real image"})
    images += write_generated(REPO)
    phone = shared / SHARED_PHONE
    if phone.exists():
        images.append({"input": f"shared/{SHARED_PHONE}", "source": "shared",
                       "note": "4000x3000 phone JPEG, whole frame resized (no crop); EXIF applied"})
    else:
        print(f"WARNING: {phone} missing; its case is not recorded", file=sys.stderr)

    def resolve(rel):
        return shared / rel[len("shared/"):] if rel.startswith("shared/") else REPO / rel

    videos, seen, unopenable = [], {}, []
    candidates = [(str(p.relative_to(REPO)), "main", p) for p in sorted((REPO / "Tests/Fixtures/videos").iterdir())
                  if p.is_file() and p.suffix.lower() != ".md"]
    sv = shared / "media/videos"
    candidates += [(f"shared/media/videos/{p.name}", "shared", p) for p in sorted(sv.iterdir())
                   if p.is_file() and p.suffix.lower() != ".md"] if sv.is_dir() else []
    for rel, source, p in candidates:
        digest = sha256_file(p)
        if digest in seen:
            print(f"  {rel}: same bytes as {seen[digest]}, skipped")
            continue
        try:
            d = VideoDecoder(str(p), seek_mode="exact")
            _ = d.metadata.num_frames
        except Exception as e:  # noqa: BLE001
            unopenable.append({"input": rel, "error": f"{type(e).__name__}: {e}"})
            print(f"  {rel}: torchcodec cannot open it: {e}", file=sys.stderr)
            continue
        seen[digest] = rel
        videos.append({"input": rel, "source": source})

    # ---- cases
    cases = []
    for im in images:
        rel = im["input"]
        path = resolve(rel)
        digest = sha256_file(path)
        for preset in IMAGE_PRESETS:
            if Path(rel).name in {Path(x).name for x in LARGE_FILES} and preset not in LARGE_PRESETS:
                continue
            t = time.time()
            c = image_case(preset, rel, im["source"], path, im.get("note"))
            c["input_sha256"] = digest
            cases.append(c)
            print(f"  {c['id']}: {c['shape']} grid {c['grid_thw']} bound {c['bound']} ({time.time() - t:.1f} s)")
    for v in videos:
        rel = v["input"]
        path = resolve(rel)
        digest = sha256_file(path)
        for fn in (video_case_qwen25, video_case_qwen3):
            t = time.time()
            c = fn(rel, v["source"], path)
            c["input_sha256"] = digest
            cases.append(c)
            print(f"  {c['id']}: {c['shape']} grid {c['grid_thw']} frames {c['frame_indices']} "
                  f"({time.time() - t:.1f} s)")

    counts = {}
    for c in cases:
        counts[c["mode"]] = counts.get(c["mode"], 0) + 1

    doc = {
        "description": "torch-path references for mmprep (scripts/ref/gen_torch_refs.py; "
                       "checked by Tests/Parity/test_torch_parity.py)",
        "generated_with": versions(),
        "recipes": RECIPES,
        "normalisation": normalisation_constants(),
        "fields": {
            "input": "path relative to the repository, or shared/... relative to /work/shared (MMPREP_SHARED)",
            "sha256": "sha256 of the output tensor as float32 little-endian bytes, row-major",
            "samples": f"up to {N_SAMPLES} [flat index, float32 bit pattern as 8 hex digits] pairs: first, last "
                       f"and random indices from numpy.random.default_rng([{SEED}, zlib.crc32(case id)])",
            "decoded": "shape and sha256 of the frames given to the resize step, packed [n, H, W, 3] uint8 RGB "
                       "(images: after EXIF transpose and RGB/alpha conversion; videos: torchcodec frames)",
            "resized": "the same for the frames given to normalisation, before temporal padding/repetition "
                       "(torch-float: qwen-vl-utils' float frames, exact integers, as uint8)",
            "frame_indices": "sampled source frame indices (before padding)",
            "bound": "which smart_resize branch applied: 'min' (scaled up to min pixels), 'max' (scaled down), 'none'",
            "large": "very large output (skipped with MMPREP_PARITY_LARGE=none)",
            "normalisation": "key into the top-level 'normalisation' constants (fused float32 mean*255, std*255)",
            "patch": "[patch_size, merge_size, temporal_patch_size]",
            "mmprep_set": "--set options the parity test passes to mmprep preprocess (besides --pipeline preset)",
        },
        "counts": counts,
        "torchcodec_unopenable": unopenable,
        "cases": cases,
    }
    if FAILURES:
        print(f"{len(FAILURES)} self-check(s) failed:", file=sys.stderr)
        for f_ in FAILURES:
            print("  " + f_, file=sys.stderr)
        sys.exit(1)
    out = Path(args.out)
    # one compact line per case keeps the file small and diffs readable
    head = json.dumps({k: v for k, v in doc.items() if k != "cases"}, indent=1)
    assert head.endswith("\n}")
    text = (head[:-2] + ',\n "cases": [\n'
            + ",\n".join(json.dumps(c, separators=(",", ":")) for c in cases) + "\n ]\n}\n")
    json.loads(text)
    out.write_text(text)
    size = out.stat().st_size
    gen_size = sum(p.stat().st_size for p in (REPO / GEN_DIR_REL).iterdir())
    print(f"wrote {out} ({size / 1e6:.2f} MB), {len(cases)} cases {counts}; "
          f"{GEN_DIR_REL}: {gen_size / 1e6:.2f} MB; {time.time() - t0:.0f} s")
    if size > 1_000_000:
        print("WARNING: fixture is over 1 MB", file=sys.stderr)


if __name__ == "__main__":
    main()
