#!/usr/bin/env python3
"""Generate Tests/Fixtures/torch-kernels.json from the REAL torch / torchvision kernels.

Run inside the venv made by make-torch-venv.sh:

    /root/venvs/mmprep-ref-torch/bin/python scripts/ref/gen_torch_kernel_refs.py \
        [--out Tests/Fixtures/torch-kernels.json]

Two kernels, each recorded exactly as the references call it (see TorchBicubic.swift):

  uint8   transformers 5.x torchvision backend (Qwen2VLImageProcessor, Qwen3VLVideoProcessor, ...):
          TorchvisionBackend.resize -> torchvision.transforms.v2.functional.resize(x_uint8, [h, w],
          BICUBIC, antialias=True), which on CPU keeps uint8 and runs torch's uint8 AVX2 kernel.
          The script checks that this equals F.interpolate(x_uint8, mode="bicubic", antialias=True).
  float   qwen-vl-utils fetch_video: torchvision.transforms.functional.resize(video_uint8_TCHW,
          [h, w], BICUBIC, antialias=True).float(); v1 resize casts to float32, runs the float
          kernel, clamps to [0, 255], rounds and casts back to uint8.

Inputs are regenerated in Swift from their parameters: a 64-bit LCG
(state = state * 6364136223846793005 + 1442695040888963407 mod 2^64, byte = state >> 56 after
each step, first byte from the first step) and three integer-only structured patterns.
Each case records sha256 of the packed HWC RGB uint8 output of both kernels, the byte sum and
64 sampled (index, value) pairs (indices into the packed HWC bytes).

Results depend on the CPU build of torch (x86-64 AVX2 / AVX-512 here; the float kernel's FMA
contraction and vectorisation come from GCC's AVX2 build). `generated_with` records it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sys
import time
from importlib import metadata as md

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.v2.functional as tvF2
from torchvision.transforms import InterpolationMode

from qwen_vl_utils import vision_process as qvp
from transformers.image_processing_backends import TorchvisionBackend
from transformers.image_utils import PILImageResampling, SizeDict
from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor

LCG_A = 6364136223846793005
LCG_C = 1442695040888963407
MASK = (1 << 64) - 1
SAMPLES = 64

# (name, pattern, seed, cell, H, W, h, w)
CASES = [
    ("tiny-up", "noise", 1, 0, 3, 5, 7, 9),
    ("tiny-down", "noise", 2, 0, 3, 5, 1, 2),
    ("tiny-h-only", "noise", 3, 0, 3, 5, 3, 2),
    ("tiny-v-only", "noise", 4, 0, 3, 5, 6, 5),
    ("1x1-up", "noise", 5, 0, 1, 1, 4, 3),
    ("1xN-h-only", "noise", 6, 0, 1, 37, 1, 20),
    ("1xN-up", "noise", 7, 0, 1, 37, 5, 64),
    ("Nx1-v-only", "noise", 8, 0, 37, 1, 20, 1),
    ("Nx1-up", "noise", 9, 0, 37, 1, 64, 5),
    ("to-width-1", "noise", 10, 0, 5, 40, 17, 1),
    ("to-height-1", "noise", 11, 0, 40, 5, 1, 17),
    ("odd", "noise", 12, 0, 97, 61, 53, 89),
    ("up-4x", "noise", 13, 0, 17, 23, 64, 96),
    ("up-25x", "noise", 14, 0, 7, 9, 200, 150),
    ("down-53x", "noise", 15, 0, 640, 480, 12, 9),
    ("down-h-143x", "noise", 16, 0, 30, 1000, 30, 7),
    ("down-v-143x", "noise", 17, 0, 1000, 30, 7, 30),
    ("aspect-wide", "noise", 18, 0, 10, 2000, 28, 5600),
    ("aspect-tall", "noise", 19, 0, 2000, 10, 700, 28),
    ("720p-qwen2", "noise", 20, 0, 720, 1280, 448, 812),
    ("720p-qwen2-gradient", "gradient", 0, 0, 720, 1280, 448, 812),
    ("1080p-third", "noise", 21, 0, 1080, 1920, 360, 640),
    ("1080p-third-checker", "checker", 0, 3, 1080, 1920, 360, 640),
    ("4000x3000", "noise", 22, 0, 4000, 3000, 1288, 966),
    ("near-unity-up", "noise", 23, 0, 500, 375, 504, 378),
    ("near-unity-mixed", "noise", 24, 0, 375, 500, 364, 504),
    ("360p-qwen2", "noise", 25, 0, 360, 640, 364, 644),
    ("480p-qwen2", "blocks", 26, 5, 480, 854, 476, 840),
    ("v-only-down", "noise", 27, 0, 360, 640, 352, 640),
    ("v-only-up", "blocks", 28, 4, 480, 640, 512, 640),
    ("checker-1px", "checker", 0, 1, 64, 64, 37, 29),
    ("checker-8px-up", "checker", 0, 8, 100, 80, 150, 120),
    ("gradient", "gradient", 0, 0, 256, 256, 100, 300),
    ("blocks-16", "blocks", 29, 16, 300, 200, 224, 224),
    ("identity", "noise", 30, 0, 64, 48, 64, 48),
]


def lcg_bytes(seed: int, n: int) -> np.ndarray:
    """Bytes k = 0..n-1: state_{k+1} = A * state_k + C (mod 2^64), byte = state_{k+1} >> 56."""
    block = 1 << 16
    first = np.empty(min(n, block), np.uint64)
    s = seed & MASK
    for i in range(len(first)):
        s = (LCG_A * s + LCG_C) & MASK
        first[i] = s
    a_k, c_k = 1, 0  # the map s -> A s + C applied `block` times
    for _ in range(block):
        a_k, c_k = (a_k * LCG_A) & MASK, (c_k * LCG_A + LCG_C) & MASK
    out = np.empty(n, np.uint8)
    states = first
    pos = 0
    while pos < n:
        m = min(block, n - pos)
        out[pos:pos + m] = (states[:m] >> np.uint64(56)).astype(np.uint8)
        pos += m
        states = states * np.uint64(a_k) + np.uint64(c_k)  # wraps mod 2^64
    return out


def make_image(pattern: str, seed: int, cell: int, H: int, W: int) -> np.ndarray:
    """HWC uint8; integer-only formulas mirrored in TorchKernelTests.swift."""
    y = np.arange(H, dtype=np.int64)[:, None]
    x = np.arange(W, dtype=np.int64)[None, :]
    if pattern == "noise":
        return lcg_bytes(seed, H * W * 3).reshape(H, W, 3)
    if pattern == "gradient":
        r = np.broadcast_to(x * 255 // max(W - 1, 1), (H, W))
        g = np.broadcast_to(y * 255 // max(H - 1, 1), (H, W))
        b = (x + y) * 255 // max(W + H - 2, 1)
        return np.stack([r, g, b], -1).astype(np.uint8)
    if pattern == "checker":
        v = np.where(((x // cell + y // cell) % 2) == 0, 255, 0)
        b = np.broadcast_to((x // cell) % 2 * 255, (H, W))
        return np.stack([v, 255 - v, b], -1).astype(np.uint8)
    if pattern == "blocks":
        ch, cw = -(-H // cell), -(-W // cell)
        coarse = lcg_bytes(seed, ch * cw * 3).reshape(ch, cw, 3)
        return coarse[(y // cell)[:, 0]][:, (x // cell)[0]]
    raise ValueError(pattern)


def sha(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def run_case(name, pattern, seed, cell, H, W, h, w, backend, rng):
    img = make_image(pattern, seed, cell, H, W)
    chw = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).contiguous()

    # uint8: the transformers torchvision backend call, checked against the raw torch op.
    u8 = TorchvisionBackend.resize(backend, chw[None], SizeDict(height=h, width=w),
                                   resample=PILImageResampling.BICUBIC)
    assert u8.dtype == torch.uint8
    direct = tvF2.resize(chw, [h, w], interpolation=InterpolationMode.BICUBIC, antialias=True)
    raw = F.interpolate(chw[None], size=(h, w), mode="bicubic", antialias=True, align_corners=False)
    assert torch.equal(u8[0], direct) and torch.equal(direct, raw[0]), name
    u8 = u8[0].permute(1, 2, 0).contiguous().numpy()

    # float: exactly qwen-vl-utils' call on a [T, C, H, W] uint8 video (T = 2 identical frames).
    video = torch.stack([chw, chw])
    fl = qvp.transforms.functional.resize(video, [h, w], interpolation=InterpolationMode.BICUBIC,
                                          antialias=True).float()
    assert torch.equal(fl[0], fl[1]), name
    fl = fl[0]
    assert torch.equal(fl, fl.round()) and fl.min() >= 0 and fl.max() <= 255, name
    fl = fl.to(torch.uint8).permute(1, 2, 0).contiguous().numpy()

    n = h * w * 3
    idx = sorted(set([0, n - 1] + [rng.randrange(n) for _ in range(SAMPLES - 2)]))
    flat_u8, flat_fl = u8.reshape(-1), fl.reshape(-1)
    diff = np.abs(u8.astype(np.int16) - fl.astype(np.int16))
    return {
        "name": name,
        "pattern": pattern,
        "seed": seed,
        "cell": cell,
        "height": H,
        "width": W,
        "out_height": h,
        "out_width": w,
        "input_sum": int(img.astype(np.int64).sum()),
        "input_head": img.reshape(-1)[:16].tolist(),
        "uint8": {
            "sha256": sha(u8),
            "sum": int(u8.astype(np.int64).sum()),
            "samples": [[i, int(flat_u8[i])] for i in idx],
        },
        "float": {
            "sha256": sha(fl),
            "sum": int(fl.astype(np.int64).sum()),
            "samples": [[i, int(flat_fl[i])] for i in idx],
        },
        "uint8_vs_float": {"max_diff": int(diff.max()), "differing": int((diff > 0).sum()), "total": n},
    }


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, "..", "..", "Tests", "Fixtures", "torch-kernels.json"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=default_out)
    args = ap.parse_args()

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    backend = Qwen2VLImageProcessor()
    rng = random.Random(20240601)
    t0 = time.time()
    cases = [run_case(*c, backend=backend, rng=rng) for c in CASES]
    fixture = {
        "generated_with": {
            "torch": torch.__version__,
            "torchvision": md.version("torchvision"),
            "transformers": md.version("transformers"),
            "qwen_vl_utils": md.version("qwen-vl-utils"),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "machine": platform.machine(),
        },
        "lcg": {"a": LCG_A, "c": LCG_C, "byte": "state >> 56 after each step"},
        "cases": cases,
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(args.out)
    print(f"{len(cases)} cases -> {args.out} ({size} bytes, {time.time() - t0:.1f} s)")
    for c in cases:
        d = c["uint8_vs_float"]
        print(f"  {c['name']:28s} {c['height']}x{c['width']} -> {c['out_height']}x{c['out_width']}"
              f"  uint8 vs float: max {d['max_diff']}, {d['differing']}/{d['total']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
