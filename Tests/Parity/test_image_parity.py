"""Byte-for-byte parity of `mmprep preprocess` against transformers' Qwen2VLImageProcessorPil.

Each case runs

    mmprep preprocess IMAGE --pipeline PRESET --output OUT.safetensors [--set ...]

and compares OUT's pixel_values (float32 [rows, 3*T*p*p]) and image_grid_thw
(int64 [1, 3]) with the cached reference (see reference_images.py):

  pillow13 cases: mmprep default          vs .venv-test          (transformers 5.24, Pillow 13)
  pillow12 cases: --set image.resample=pillow12 vs .venv-test-pillow12 (transformers 5.24, Pillow 12)

pixel_values must be bit-identical (compared as uint32 bit patterns).
"""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

import gen_images
import reference_images as R
from conftest import MMPREP_BIN

PRESETS = ["qwen2-vl", "qwen2.5-vl", "qwen3-vl", "qwen3.5"]
MODES = ["pillow13", "pillow12"]
RESAMPLE_SET = {"pillow13": [], "pillow12": ["--set", "image.resample=pillow12"]}

_LARGE = os.environ.get("MMPREP_PARITY_LARGE", "subset")
assert _LARGE in ("subset", "all", "none"), _LARGE
ALPHA_REF_DEFAULT = "pil"


def vertical_first(mode, in_w, in_h, out_w, out_h):
    """Pillow's resize pass order. Pillow 12.3 (Image.resize in Python):
    `if self.size[1] > self.size[0] * 100 and size[1] < self.size[1]` -> vertical pass first;
    Pillow 13 (in C, fitted and checked on random sizes): out_h < in_h and in_h - out_h > 2 * (in_w - out_w)."""
    if mode == "pillow12":
        return in_h > in_w * 100 and out_h < in_h
    return out_h < in_h and (in_h - out_h) > 2 * (in_w - out_w)


def large_wanted(spec, preset, mode):
    """Large images (~300 MB of pixel_values each) run for one preset per config family
    (qwen2.5-vl / qwen3.5 share qwen2-vl's / qwen3-vl's published config), in Pillow 13 mode,
    and in Pillow 12 mode only where the two Pillow versions order the resize passes differently."""
    if _LARGE == "all":
        return True
    if _LARGE == "none" or preset not in ("qwen2-vl", "qwen3-vl"):
        return False
    if mode == "pillow13":
        return True
    w, h = spec.size
    f, lo, hi, *_ = R.bounds(preset)
    hb, wb = R.smart_resize_doc(h, w, f, lo, hi)
    return vertical_first("pillow12", w, h, wb, hb) != vertical_first("pillow13", w, h, wb, hb)


ALPHA_REF = os.environ.get("MMPREP_PARITY_ALPHA_REF", ALPHA_REF_DEFAULT)
assert ALPHA_REF in ("pil", "path"), ALPHA_REF


def _cases():
    out = []
    for spec in gen_images.SPECS:
        for preset in PRESETS:
            for mode in MODES:
                if spec.large and not large_wanted(spec, preset, mode):
                    continue
                marks = []
                if spec.large:
                    marks.append(pytest.mark.large)
                if spec.kind == "grey16":
                    marks.append(pytest.mark.deviation)
                ref_variant = {"normal": "path", "exif": "path", "alpha": ALPHA_REF,
                               "grey16": "hb8", "refuse": "path"}[spec.kind]
                out.append(pytest.param(spec.name, spec.kind, preset, mode, [], ref_variant,
                                        id=f"{preset}-{mode}-{spec.name}", marks=marks))
                if spec.kind == "exif" and mode == "pillow13":
                    # EXIF orientation switched off: compared with processor(Image.open(path)),
                    # i.e. the stored pixels without exif_transpose.
                    out.append(pytest.param(spec.name, spec.kind, preset, mode,
                                            ["--set", "image.exif_orientation=false"], "pil",
                                            id=f"{preset}-{mode}-{spec.name}-noexif"))
    return out


def run_mmprep(image, preset, mode, extra, out_path):
    cmd = [str(MMPREP_BIN), "preprocess", str(image), "--pipeline", preset,
           "--output", str(out_path), *RESAMPLE_SET[mode], *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return cmd, p


def _locate(index, grid, preset):
    """Flat index into pixel_values -> (y, x, channel, temporal) in the resized image."""
    _, _, _, p, m, t = R.bounds(preset)
    cols = 3 * t * p * p
    row, col = divmod(int(index), cols)
    _, gh, gw = (int(v) for v in grid[0])
    block, rem = divmod(row, m * m)
    bh, bw = divmod(block, gw // m)
    mh, mw = divmod(rem, m)
    c, r = divmod(col, t * p * p)
    tt, r = divmod(r, p * p)
    py, px = divmod(r, p)
    return (bh * m + mh) * p + py, (bw * m + mw) * p + px, c, tt


def _to_u8(v, preset, c):
    mean = R.PUBLISHED_CONFIGS[preset]["image_mean"][c]
    std = R.PUBLISHED_CONFIGS[preset]["image_std"][c]
    return (float(v) * std + mean) * 255.0


def describe_diff(got, want, grid, preset):
    g64, w64 = got.astype(np.float64), want.astype(np.float64)
    diff = np.abs(g64 - w64)
    bits_differ = got.view(np.uint32) != want.view(np.uint32)
    n = int(bits_differ.sum())
    mx = float(np.nanmax(diff)) if diff.size else 0.0
    first = np.flatnonzero(bits_differ.ravel())[0]
    worst = int(np.nanargmax(diff.ravel()))
    lines = [f"pixel_values differ: {n} of {got.size} values ({100.0 * n / got.size:.4f}%), "
             f"max abs diff {mx:.9g}"]
    _, _, _, p, m, t = R.bounds(preset)
    # express the error in 8-bit levels of the resized image (channel-wise affine inverse)
    _, cstd = R.PUBLISHED_CONFIGS[preset]["image_mean"], R.PUBLISHED_CONFIGS[preset]["image_std"]
    lv = diff.reshape(-1, 3, t * p * p) * (np.array(cstd)[None, :, None] * 255.0)
    lines.append(f"max diff in 8-bit levels ~ {float(np.nanmax(lv)):.2f}")
    for label, idx in (("first", first), ("worst", worst)):
        y, x, c, tt = _locate(idx, grid, preset)
        gv, wv = got.ravel()[idx], want.ravel()[idx]
        lines.append(f"{label} at flat {idx} (row {idx // got.shape[1]}, col {idx % got.shape[1]}) = "
                     f"resized pixel y={y} x={x} channel {c} t={tt}: mmprep {gv!r} (~{_to_u8(gv, preset, c):.2f}) "
                     f"reference {wv!r} (~{_to_u8(wv, preset, c):.2f})")
    # which resized rows are affected (often tells a pass-order or edge problem)
    ys = sorted({_locate(i, grid, preset)[0] for i in np.flatnonzero(bits_differ.ravel())[:20000]})
    lines.append(f"affected resized rows (first 20000 diffs): {len(ys)}; e.g. {ys[:12]}")
    return "\n".join(lines), mx, n


@pytest.mark.parametrize("image,kind,preset,mode,extra,ref_variant", _cases())
def test_image_parity(image, kind, preset, mode, extra, ref_variant, parity_data, parity_stats, tmp_path):
    """16-bit grey PNG (deviation marker): Pillow opens it as I;16 and convert("RGB") clips every
    value above 255 to white. mmprep reduces 16 bits to 8 by keeping the high byte (v >> 8, what
    libpng's png_set_strip_16 does), so the case is compared with the reference computed on the
    8-bit image (v >> 8) instead (variant hb8), not with Pillow's clipped output."""
    root = parity_data.roots.get(mode)
    # Missing references or a missing binary are failures: CI must never go green without them.
    assert root is not None, f"no {mode} references: {parity_data.errors.get(mode)}"
    assert MMPREP_BIN.exists(), f"mmprep binary not found at {MMPREP_BIN} (set MMPREP_BIN)"
    entry = next(e for e in parity_data.manifest["images"] if e["name"] == image)
    ref = R.load_entry(root, preset, ref_variant, image, entry["sha256"])
    assert ref is not None, f"reference missing for {preset}/{ref_variant}/{image} in {root}"
    status, want, want_grid, meta = ref
    img_path = parity_data.image_dir / image
    out = tmp_path / "out.safetensors"
    try:
        cmd, p = run_mmprep(img_path, preset, mode, extra, out)
        shown = " ".join(cmd)
        if status == "error":
            # the reference refuses this input (aspect ratio > 200): mmprep must refuse it too
            assert kind == "refuse", f"reference raised unexpectedly: {want}"
            assert p.returncode != 0, (
                f"mmprep accepted an input the reference refuses ({want}).\n$ {shown}\n{p.stdout}{p.stderr}")
            msg = p.stdout + p.stderr
            assert image in msg, f"mmprep's error message does not name the file:\n{msg}"
            with parity_stats.lock:
                parity_stats.refusals += 1
            return
        assert p.returncode == 0, f"mmprep failed (exit {p.returncode})\n$ {shown}\n{p.stdout}{p.stderr}"
        assert out.exists(), f"mmprep wrote no output\n$ {shown}\n{p.stdout}{p.stderr}"
        from safetensors.numpy import load_file
        got = load_file(str(out))
        missing = {"pixel_values", "image_grid_thw"} - set(got)
        assert not missing, f"output lacks {missing}; has {sorted(got)}"
        pv, grid = got["pixel_values"], got["image_grid_thw"]
        assert pv.dtype == np.float32, f"pixel_values dtype {pv.dtype}, want float32"
        assert grid.dtype == np.int64, f"image_grid_thw dtype {grid.dtype}, want int64"
        assert grid.tolist() == want_grid.tolist(), \
            f"image_grid_thw {grid.tolist()} != reference {want_grid.tolist()} (pixel_values {pv.shape} vs {want.shape})"
        assert pv.shape == want.shape, f"pixel_values shape {pv.shape} != reference {want.shape}"
        with parity_stats.lock:
            parity_stats.compared += 1
        if np.array_equal(pv.view(np.uint32), want.view(np.uint32)):
            with parity_stats.lock:
                parity_stats.identical += 1
            return
        text, mx, n = describe_diff(pv, want, want_grid, preset)
        with parity_stats.lock:
            parity_stats.max_abs_diff = max(parity_stats.max_abs_diff, mx)
            parity_stats.failures.append(f"{preset}-{mode}-{image}{'-noexif' if extra else ''}: "
                                         f"{n} values differ, max abs diff {mx:.6g}")
        pytest.fail(f"{image} [{preset}, {mode}, reference {ref_variant}, "
                    f"transformers {meta.get('transformers')} Pillow {meta.get('pillow')}]\n{text}")
    finally:
        if out.exists():
            out.unlink()  # outputs of the large images are ~300 MB


def test_references_sane(parity_data):
    """Every reference has the grid/shape that docs/reference-semantics.md's smart_resize predicts,
    and the inputs with aspect ratio > 200 were refused."""
    checked = 0
    for mode, root in parity_data.roots.items():
        if root is None:
            continue
        problems = []
        assert R.check(parity_data.image_dir, root, PRESETS, log=problems.append) == 0, "\n".join(problems)
        checked += 1
    assert checked, f"no references: {parity_data.errors}"
