"""Parity of mmprep's torch-path modes against the recorded torch references.

Tests/Fixtures/torch-refs.json is written by scripts/ref/gen_torch_refs.py with the real
torch / torchvision / torchcodec / transformers 5.24 / qwen-vl-utils stack (see its "recipes").
This test needs no torch: for each recorded case it runs

    mmprep preprocess INPUT --pipeline PRESET --output OUT.safetensors --set ...

  images  --set image.resample=torchvision   (transformers Qwen2VLImageProcessor, torchvision backend)
  videos  preset defaults plus, explicitly,
          --set video.resample=torch-float   (qwen2.5-vl: qwen-vl-utils fetch_video resize)
          --set video.resample=torch-uint8   (qwen3-vl: Qwen3VLVideoProcessor's own resize)

and checks the output tensor's name, dtype, shape, grid_thw, the frame indices in the metadata
(videos), the ~256 sampled float32 values (bit for bit) and the sha256 of all its float32 bytes.

On a mismatch the message gives the number of differing sampled values and their max abs diff,
and locates the difference: mmprep's pixel values are inverted back to uint8 frames; if those
re-normalise to exactly mmprep's output, normalisation/patchify follow the reference formula and the
recovered frames' sha256 is compared with the reference's resized frames (a mismatch there is a
resize-kernel or decoding difference; `mmprep decode` is then run to compare the decoded frames).

Inputs under shared/ (large files not committed) are read from MMPREP_SHARED (default /work/shared)
and skipped only when missing. MMPREP_PARITY_LARGE=none skips the very large outputs.
A missing mmprep binary is a failure, not a skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURE = REPO / "Tests" / "Fixtures" / "torch-refs.json"
MMPREP_BIN = Path(os.environ.get("MMPREP_BIN", REPO / ".build" / "debug" / "mmprep"))
SHARED = Path(os.environ.get("MMPREP_SHARED", "/work/shared"))
LARGE = os.environ.get("MMPREP_PARITY_LARGE", "subset")
assert LARGE in ("subset", "all", "none"), LARGE
TIMEOUT = int(os.environ.get("MMPREP_TORCH_PARITY_TIMEOUT", "1800"))

REFS = json.loads(FIXTURE.read_text())
CASES = REFS["cases"]
NORMS = REFS["normalisation"]


def resolve(rel: str) -> Path:
    return SHARED / rel[len("shared/"):] if rel.startswith("shared/") else REPO / rel


def sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def f32_sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f4").tobytes()).hexdigest()


def constants(case):
    n = NORMS[case["normalisation"]]
    m = np.array([int(h, 16) for h in n["mean255_f32_hex"]], dtype=np.uint32).view(np.float32)
    s = np.array([int(h, 16) for h in n["std255_f32_hex"]], dtype=np.uint32).view(np.float32)
    return m, s


def unpatchify(pv: np.ndarray, grid, p: int, m: int, t: int) -> np.ndarray:
    """[gt*gh*gw, 3*t*p*p] -> [gt*t, gh*p, gw*p, 3] (docs/reference-semantics.md section 6)."""
    gt, gh, gw = grid
    a = pv.reshape(gt, gh // m, gw // m, m, m, 3, t, p, p)   # g, bh, bw, mh, mw, c, t, py, px
    a = a.transpose(0, 6, 1, 3, 7, 2, 4, 8, 5)               # g, t, bh, mh, py, bw, mw, px, c
    return a.reshape(gt * t, gh * p, gw * p, 3)


def patchify(frames: np.ndarray, p: int, m: int, t: int) -> np.ndarray:
    n, H, W, C = frames.shape
    gt, gh, gw = n // t, H // p, W // p
    a = frames.reshape(gt, t, gh // m, m, p, gw // m, m, p, C).transpose(0, 2, 5, 3, 6, 8, 1, 4, 7)
    return a.reshape(gt * gh * gw, C * t * p * p)


def locate(pv: np.ndarray, case, tmp_path: Path) -> list[str]:
    """Where does mmprep's output depart from the reference: normalisation, resize or decode?"""
    lines = []
    p, m, t = case["patch"]
    grid = case["grid_thw"][0]
    mean255, std255 = constants(case)
    frames = unpatchify(pv, grid, p, m, t)
    u8 = np.clip(np.rint(frames.astype(np.float64) * std255 + mean255), 0, 255).astype(np.uint8)
    renorm = ((u8.astype(np.float32) - mean255) / std255).astype(np.float32)
    if not np.array_equal(patchify(renorm, p, m, t).view(np.uint32), pv.view(np.uint32)):
        bad = int((patchify(renorm, p, m, t).view(np.uint32) != pv.view(np.uint32)).sum())
        lines.append(f"normalisation/patchify: mmprep's values are NOT (float32(u8) - mean255) / std255 of any "
                     f"uint8 frames in the reference layout ({bad} values off): check the fused normalisation "
                     f"constants ({case['normalisation']}: mean255 {mean255.tolist()}, std255 {std255.tolist()}), "
                     f"the order of ops, or the patch layout")
        return lines
    lines.append("normalisation/patchify: consistent with the reference formula and layout")
    n = 1 if case["kind"] == "image" else len(case["frame_indices"])
    rec = np.ascontiguousarray(u8[:n])
    want = case["resized"]
    got_sha = hashlib.sha256(rec.tobytes()).hexdigest()
    if list(rec.shape) == want["shape"] and got_sha == want["sha256"]:
        lines.append("resized uint8 frames recovered from mmprep's output EQUAL the reference's: "
                     "the difference is in normalisation rounding or padding")
        return lines
    lines.append(f"resized uint8 frames recovered from mmprep's output differ from the reference's "
                 f"({list(rec.shape)} sha256 {got_sha[:16]}... vs {want['shape']} {want['sha256'][:16]}...): "
                 f"resize kernel or decoding")
    if case["kind"] == "image":
        lines.append(f"decoding: compare with the Pillow-mode image parity tests (same decoders); the reference's "
                     f"decoded image is {case['decoded']['shape']} sha256 {case['decoded']['sha256'][:16]}...")
        return lines
    # decoded frames, via `mmprep decode` (diagnostic only, never fails the test by itself)
    dec = case["decoded"]
    try:
        out = tmp_path / "decoded.safetensors"
        cmd = [str(MMPREP_BIN), "decode", str(resolve(case["input"])),
               "--frames", ",".join(str(i) for i in case["frame_indices"]), "--output", str(out)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        if r.returncode != 0:
            lines.append(f"(mmprep decode failed: {(r.stderr or r.stdout).strip()[:300]})")
            return lines
        from safetensors.numpy import load_file
        fr = np.ascontiguousarray(load_file(str(out))["frames"], dtype=np.uint8)
        s = hashlib.sha256(fr.tobytes()).hexdigest()
        if list(fr.shape) == dec["shape"] and s == dec["sha256"]:
            lines.append("decoded frames (mmprep decode) EQUAL the reference's: the difference is in the resize kernel")
        else:
            lines.append(f"decoded frames (mmprep decode) differ from the reference's ({list(fr.shape)} vs "
                         f"{dec['shape']}): decoding differs (EXIF/alpha/colour conversion?)")
    except Exception as e:  # noqa: BLE001 - diagnostics must not mask the real failure
        lines.append(f"(decode diagnostic unavailable: {type(e).__name__}: {e})")
    return lines


def _params():
    out = []
    for c in CASES:
        marks = [pytest.mark.large] if c.get("large") else []
        out.append(pytest.param(c, id=c["id"], marks=marks))
    return out


def test_fixture_sane():
    """The fixture lists every mode and every case has what the comparison needs."""
    modes = {c["mode"] for c in CASES}
    assert modes == {"torchvision", "torch-float", "torch-uint8"}, modes
    for c in CASES:
        rows, cols = c["shape"]
        gt, gh, gw = c["grid_thw"][0]
        p, m, t = c["patch"]
        assert rows == gt * gh * gw and cols == 3 * t * p * p, c["id"]
        assert all(0 <= i < rows * cols for i, _ in c["samples"]), c["id"]
        assert c["normalisation"] in NORMS, c["id"]
        if c["kind"] == "video":
            assert gt == (len(c["frame_indices"]) + t - 1) // t, c["id"]


@pytest.mark.parametrize("case", _params())
def test_torch_parity(case, tmp_path):
    src = resolve(case["input"])
    if case["source"] == "shared" and not src.exists():
        print(f"skipping {case['id']}: {src} not found (set MMPREP_SHARED)")
        pytest.skip(f"shared input {src} not found")
    if case.get("large") and LARGE == "none":
        pytest.skip("large case (MMPREP_PARITY_LARGE=none)")
    assert src.exists(), f"committed input {src} is missing"
    digest = sha256_file(src)
    assert digest == case["input_sha256"], (
        f"{src} changed since the references were made (sha256 {digest} vs {case['input_sha256']}); "
        f"regenerate with scripts/ref/gen_torch_refs.py")
    assert MMPREP_BIN.exists(), f"mmprep binary not found at {MMPREP_BIN} (build it or set MMPREP_BIN)"

    out = tmp_path / "out.safetensors"
    cmd = [str(MMPREP_BIN), "preprocess", str(src), "--pipeline", case["preset"], "--output", str(out)]
    for s in case["mmprep_set"]:
        cmd += ["--set", s]
    shown = " ".join(cmd)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, f"mmprep failed (exit {r.returncode})\n$ {shown}\n{r.stdout}{r.stderr}"
    assert out.exists(), f"mmprep wrote no output\n$ {shown}\n{r.stdout}{r.stderr}"

    from safetensors import safe_open
    with safe_open(str(out), framework="np") as f:
        names = set(f.keys())
        meta = f.metadata() or {}
        want_names = {case["tensor"], case["grid_name"]}
        assert want_names <= names, f"output lacks {want_names - names}; has {sorted(names)}"
        pv = f.get_tensor(case["tensor"])
        grid = f.get_tensor(case["grid_name"])

    assert pv.dtype == np.float32, f"{case['tensor']} dtype {pv.dtype}, want float32"
    assert grid.dtype == np.int64, f"{case['grid_name']} dtype {grid.dtype}, want int64"
    assert grid.tolist() == case["grid_thw"], (
        f"{case['grid_name']} {grid.tolist()} != reference {case['grid_thw']} "
        f"({case['tensor']} {list(pv.shape)} vs {case['shape']})")
    if case["kind"] == "video":
        got_idx = json.loads(meta.get("frame_indices", "null"))
        assert got_idx == case["frame_indices"], \
            f"frame_indices {got_idx} != reference {case['frame_indices']}"
    assert list(pv.shape) == case["shape"], f"{case['tensor']} shape {list(pv.shape)} != reference {case['shape']}"

    idx = np.array([i for i, _ in case["samples"]], dtype=np.int64)
    want_bits = np.array([int(h, 16) for _, h in case["samples"]], dtype=np.uint32)
    flat = np.ascontiguousarray(pv).reshape(-1)
    got_bits = flat.view(np.uint32)[idx]
    differ = got_bits != want_bits
    n_diff = int(differ.sum())
    max_diff = float(np.max(np.abs(flat[idx].astype(np.float64) - want_bits.view(np.float32).astype(np.float64)))) \
        if idx.size else 0.0
    got_sha = f32_sha256(pv)
    if n_diff == 0 and got_sha == case["sha256"]:
        return

    std255 = constants(case)[1]
    lines = [
        f"{case['id']} [{case['mode']}]: {n_diff} of {idx.size} sampled values differ, "
        f"max abs diff {max_diff:.9g} (~{max_diff * float(std255.max()):.3g} levels); "
        f"sha256 {got_sha} vs reference {case['sha256']}",
        f"$ {shown}",
    ]
    if n_diff:
        first = int(np.flatnonzero(differ)[0])
        lines.append(f"first differing sample: flat index {int(idx[first])}: mmprep {flat[idx[first]]!r} "
                     f"reference {want_bits[first:first + 1].view(np.float32)[0]!r}")
    else:
        lines.append("all sampled values equal; other values differ")
    lines += locate(pv, case, tmp_path)
    print("\n".join(lines))
    pytest.fail("\n".join(lines))
