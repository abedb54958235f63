#!/usr/bin/env python3
"""Reference outputs of transformers' Qwen2VLImageProcessorPil for the parity image set.

    python reference_images.py IMAGE_DIR --preset {qwen2-vl,qwen2.5-vl,qwen3-vl,qwen3.5,all}
                               --pillow-mode {13,12} [--cache DIR] [--check]

Run it with the interpreter of the venv whose Pillow matches --pillow-mode
(.venv-test: Pillow 13, .venv-test-pillow12: Pillow 12). IMAGE_DIR is a
directory written by gen_images.py (it holds manifest.json).

The processor is transformers.models.qwen2_vl.image_processing_pil_qwen2_vl.
Qwen2VLImageProcessorPil (exported as transformers.Qwen2VLImageProcessorPil):
the pure Pillow + numpy class in transformers 5.x, built from each preset's
published preprocessor_config.json (PUBLISHED_CONFIGS below), called with
return_tensors="np".

Variants (how the image reaches the processor):
  path  processor(images="/path/to/file")  -- what a user passing a path, or
        apply_chat_template with an image path/url, gets: fetch_images() calls
        transformers.image_utils.load_image(), which does
            image = PIL.ImageOps.exif_transpose(image)
            image = image.convert("RGB")
        and then the processor's convert_to_rgb() runs on that RGB image.
        Consequences in 5.24: alpha channels (RGBA, LA, P + tRNS alpha table)
        are DROPPED (plain convert("RGB")); single-colour tRNS keys (P with one
        transparent index, RGB/L tRNS) survive convert() as info["transparency"]
        and convert_to_rgb() then turns exactly those pixels white.
  pil   processor(images=PIL.Image.open(file))  -- no EXIF transpose; the
        processor's convert_to_rgb() composites any transparency onto white:
            has_alpha = "A" in image.getbands() or image.info.get("transparency") is not None
            image = image.convert("RGBA"); alpha_composite(white, image).convert("RGB")
        Used for alpha images (the "composite onto white" semantics) and for
        the --set image.exif_orientation=false comparison.
  hb8   16-bit grey PNG reduced to 8 bits by taking the high byte (v >> 8, what
        libpng's png_set_strip_16 does), as an "L" image, then processor(images=it).
        Pillow itself opens such a PNG as I;16 and its convert("RGB") clips every
        value above 255 to white; that is a documented deviation, not copied.

Output: <cache>/refs-<key>/<config>/<variant>/<image>.safetensors with
pixel_values (float32) and image_grid_thw (int64), metadata = image sha256 etc.;
<image>.error.json when the reference raised (aspect ratio > 200). <key> covers
the transformers and Pillow versions and the hashes of this script and
gen_images.py; each entry is also checked against its image's sha256.
Presets whose published configs are identical share one <config> directory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent

OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

# The published preprocessor_config.json of each family's reference checkpoint:
#   qwen2-vl   Qwen/Qwen2-VL-7B-Instruct
#   qwen2.5-vl Qwen/Qwen2.5-VL-7B-Instruct
#   qwen3-vl   Qwen/Qwen3-VL-8B-Instruct   (a fast-processor dump: bounds under "size")
#   qwen3.5    Qwen/Qwen3.5 checkpoints    (same content as Qwen3-VL)
# Keys not listed take the class defaults, which the hub files also carry:
# do_resize/do_rescale/do_normalize/do_convert_rgb True, resample 3 (bicubic),
# rescale_factor 1/255.
PUBLISHED_CONFIGS = {
    "qwen2-vl": {
        "min_pixels": 3136,
        "max_pixels": 12845056,
        "patch_size": 14,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "image_mean": OPENAI_CLIP_MEAN,
        "image_std": OPENAI_CLIP_STD,
        "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": "Qwen2VLProcessor",
    },
    "qwen2.5-vl": {
        "min_pixels": 3136,
        "max_pixels": 12845056,
        "patch_size": 14,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "image_mean": OPENAI_CLIP_MEAN,
        "image_std": OPENAI_CLIP_STD,
        "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": "Qwen2_5_VLProcessor",
    },
    "qwen3-vl": {
        "size": {"longest_edge": 16777216, "shortest_edge": 65536},
        "patch_size": 16,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
        "processor_class": "Qwen3VLProcessor",
        "image_processor_type": "Qwen2VLImageProcessorFast",
    },
    "qwen3.5": {
        "size": {"longest_edge": 16777216, "shortest_edge": 65536},
        "patch_size": 16,
        "temporal_patch_size": 2,
        "merge_size": 2,
        "image_mean": [0.5, 0.5, 0.5],
        "image_std": [0.5, 0.5, 0.5],
        "processor_class": "Qwen3VLProcessor",
        "image_processor_type": "Qwen2VLImageProcessorFast",
    },
}
PRESETS = list(PUBLISHED_CONFIGS)

_NON_PROCESSING_KEYS = ("image_processor_type", "processor_class")


def processor_kwargs(preset: str) -> dict:
    return {k: v for k, v in PUBLISHED_CONFIGS[preset].items() if k not in _NON_PROCESSING_KEYS}


def config_group(preset: str) -> str:
    """First preset whose processing config equals this one's (qwen2.5-vl -> qwen2-vl, qwen3.5 -> qwen3-vl)."""
    mine = json.dumps(processor_kwargs(preset), sort_keys=True)
    for p in PRESETS:
        if json.dumps(processor_kwargs(p), sort_keys=True) == mine:
            return p
    raise AssertionError(preset)


def bounds(preset: str):
    """(factor, min_pixels, max_pixels, patch, merge, temporal) from the published config."""
    c = PUBLISHED_CONFIGS[preset]
    if "size" in c:
        lo, hi = c["size"]["shortest_edge"], c["size"]["longest_edge"]
    else:
        lo, hi = c["min_pixels"], c["max_pixels"]
    return c["patch_size"] * c["merge_size"], lo, hi, c["patch_size"], c["merge_size"], c["temporal_patch_size"]


def variants_for(kind: str):
    """Which reference variants an image of this kind needs."""
    return {
        "normal": ["path"],
        "refuse": ["path"],
        "alpha": ["path", "pil"],   # path = alpha dropped (load_image); pil = composited onto white
        "exif": ["path", "pil"],    # pil = no EXIF transpose (image.exif_orientation=false)
        "grey16": ["path", "hb8"],  # path = Pillow's clipped conversion, kept for information
    }[kind]


def cache_key() -> str:
    import PIL
    import transformers
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update((HERE / "gen_images.py").read_bytes())
    return f"tf{transformers.__version__}-pil{PIL.__version__}-{h.hexdigest()[:12]}"


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_PROCESSORS: dict = {}


def make_processor(preset: str):
    if preset not in _PROCESSORS:
        from transformers import Qwen2VLImageProcessorPil

        proc = Qwen2VLImageProcessorPil(**processor_kwargs(preset))
        factor, lo, hi, p, m, t = bounds(preset)
        assert (proc.size["shortest_edge"], proc.size["longest_edge"]) == (lo, hi), proc.size
        assert (proc.patch_size, proc.merge_size, proc.temporal_patch_size) == (p, m, t)
        _PROCESSORS[preset] = proc
    return _PROCESSORS[preset]


def reference_input(path: str, variant: str):
    """What is handed to the processor for this variant (str path or PIL image)."""
    import numpy as np
    from PIL import Image

    if variant == "path":
        return str(path)
    if variant == "pil":
        return Image.open(path)
    if variant == "hb8":
        im = Image.open(path)
        assert im.mode in ("I;16", "I;16B", "I;16L", "I"), im.mode
        v = np.asarray(im).astype(np.uint32)
        # High byte, like libpng's png_set_strip_16 (not round(v/257)).
        return Image.fromarray((v >> 8).astype(np.uint8), "L")
    raise ValueError(variant)


def compute(path: str, preset: str, variant: str):
    """Run the processor; returns (pixel_values float32, image_grid_thw int64)."""
    import numpy as np

    out = make_processor(preset)(images=reference_input(path, variant), return_tensors="np")
    pv, grid = out["pixel_values"], out["image_grid_thw"]
    assert pv.dtype == np.float32, pv.dtype
    grid = np.asarray(grid).astype(np.int64)
    return np.ascontiguousarray(pv), grid


def entry_paths(root: Path, preset: str, variant: str, name: str):
    d = root / config_group(preset) / variant
    return d / (name + ".safetensors"), d / (name + ".error.json")


def load_entry(root: Path, preset: str, variant: str, name: str, sha: str | None = None, header_only=False):
    """Returns ("ok", pixel_values, grid, meta) / ("error", message, None, meta) / None when absent or stale.
    With header_only, pixel_values is replaced by (shape tuple, safetensors dtype string)."""
    from safetensors import safe_open

    st, err = entry_paths(root, preset, variant, name)
    if st.exists():
        with safe_open(str(st), framework="np") as f:
            meta = f.metadata() or {}
            if sha is not None and meta.get("image_sha256") != sha:
                return None
            if header_only:
                sl = f.get_slice("pixel_values")
                return "ok", (tuple(sl.get_shape()), sl.get_dtype()), f.get_tensor("image_grid_thw"), meta
            return "ok", f.get_tensor("pixel_values"), f.get_tensor("image_grid_thw"), meta
    if err.exists():
        meta = json.loads(err.read_text())
        if sha is not None and meta.get("image_sha256") != sha:
            return None
        return "error", meta["error"], None, meta
    return None


def build(image_dir: Path, presets, cache: Path, names=None, log=print) -> Path:
    import numpy as np
    import PIL
    import transformers
    from safetensors.numpy import save_file

    root = cache / ("refs-" + cache_key())
    man = json.loads((image_dir / "manifest.json").read_text())
    groups = []
    for p in presets:
        g = config_group(p)
        if g not in groups:
            groups.append(g)
    done = made = 0
    t0 = time.time()
    for e in man["images"]:
        if names and e["name"] not in names:
            continue
        path = image_dir / e["name"]
        sha = e["sha256"]
        for g in groups:
            for variant in variants_for(e["kind"]):
                if load_entry(root, g, variant, e["name"], sha) is not None:
                    done += 1
                    continue
                st, err = entry_paths(root, g, variant, e["name"])
                st.parent.mkdir(parents=True, exist_ok=True)
                meta = {"image": e["name"], "image_sha256": sha, "kind": e["kind"], "config": g,
                        "variant": variant, "transformers": transformers.__version__,
                        "pillow": PIL.__version__, "numpy": np.__version__}
                t1 = time.time()
                try:
                    pv, grid = compute(str(path), g, variant)
                except Exception as ex:  # the reference refused this input
                    meta["error"] = f"{type(ex).__name__}: {ex}"
                    tmp = err.with_name(err.name + ".tmp")
                    tmp.write_text(json.dumps(meta, indent=1))
                    os.replace(tmp, err)
                    log(f"  {g:10s} {variant:4s} {e['name']}: reference raised {meta['error']}")
                else:
                    tmp = st.with_name(st.name + ".tmp")
                    save_file({"pixel_values": pv, "image_grid_thw": grid}, str(tmp),
                              metadata={k: str(v) for k, v in meta.items()})
                    os.replace(tmp, st)
                    dt = time.time() - t1
                    if dt > 2:
                        log(f"  {g:10s} {variant:4s} {e['name']}: {pv.shape} in {dt:.1f}s")
                made += 1
    log(f"references in {root}: {made} computed, {done} cached ({time.time() - t0:.1f}s, "
        f"transformers {transformers.__version__}, Pillow {PIL.__version__})")
    log(f"REFERENCE_ROOT={root}")
    return root


# ---------------------------------------------------------------------------
# sanity checks against reference-semantics.md

def smart_resize_doc(h: int, w: int, f: int, lo: int, hi: int):
    """smart_resize as written in docs/reference-semantics.md section 2 (independent of transformers)."""
    import math
    if max(h, w) / min(h, w) > 200:
        raise ValueError("aspect")
    hb, wb = round(h / f) * f, round(w / f) * f          # Python round = half-to-even
    if hb * wb > hi:
        beta = math.sqrt(h * w / hi)
        hb = max(f, math.floor(h / beta / f) * f)
        wb = max(f, math.floor(w / beta / f) * f)
    elif hb * wb < lo:
        beta = math.sqrt(lo / (h * w))
        hb = math.ceil(h * beta / f) * f
        wb = math.ceil(w * beta / f) * f
    return hb, wb


def loaded_size(path: str, variant: str):
    """(height, width) of the image as the processor sees it (header only, no decoding)."""
    from PIL import Image
    with Image.open(path) as im:
        w, h = im.size
        if variant == "path" and im.getexif().get(0x0112) in (5, 6, 7, 8):
            w, h = h, w  # exif_transpose swaps the axes for these orientations
    return h, w


def check(image_dir: Path, root: Path, presets, log=print) -> int:
    man = json.loads((image_dir / "manifest.json").read_text())
    bad = 0
    for e in man["images"]:
        for p in presets:
            f, lo, hi, patch, merge, temporal = bounds(p)
            for variant in variants_for(e["kind"]):
                ent = load_entry(root, p, variant, e["name"], e["sha256"], header_only=True)
                h, w = loaded_size(str(image_dir / e["name"]), variant)
                try:
                    hb, wb = smart_resize_doc(h, w, f, lo, hi)
                except ValueError:
                    hb = wb = None
                if ent is None:
                    log(f"MISSING {p} {variant} {e['name']}")
                    bad += 1
                    continue
                status, a, grid, meta = ent
                if hb is None or e["kind"] == "refuse":
                    if status != "error" or hb is not None or e["kind"] != "refuse":
                        log(f"BAD refusal {p} {variant} {e['name']}: status={status} doc={hb}")
                        bad += 1
                    continue
                want = [1, hb // patch, wb // patch]
                rows = want[1] * want[2]
                cols = 3 * temporal * patch * patch
                ok = status == "ok" and grid.tolist() == [want] and a[0] == (rows, cols) and a[1] in ("F32", "float32")
                if not ok:
                    log(f"BAD {p} {variant} {e['name']}: {status} grid={None if grid is None else grid.tolist()} "
                        f"want={want} shape/dtype={a}")
                    bad += 1
    log(f"check: {'OK' if not bad else str(bad) + ' problems'}")
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image_dir", type=Path)
    ap.add_argument("--preset", default="all", choices=PRESETS + ["all"])
    ap.add_argument("--pillow-mode", required=True, choices=["13", "12"])
    ap.add_argument("--cache", type=Path,
                    default=Path(os.environ.get("MMPREP_PARITY_CACHE",
                                                Path.home() / ".cache" / "mmprep-parity")))
    ap.add_argument("--only", action="append", help="restrict to these image names")
    ap.add_argument("--check", action="store_true", help="verify shapes/grids against the doc's smart_resize")
    ap.add_argument("--print-root", action="store_true", help="print the reference directory and exit")
    args = ap.parse_args(argv)

    import PIL
    if PIL.__version__.split(".")[0] != args.pillow_mode:
        print(f"reference_images.py: --pillow-mode {args.pillow_mode} but this interpreter has "
              f"Pillow {PIL.__version__} ({sys.executable})", file=sys.stderr)
        return 2
    if args.print_root:
        print(args.cache / ("refs-" + cache_key()))
        return 0
    presets = PRESETS if args.preset == "all" else [args.preset]
    try:
        root = build(args.image_dir, presets, args.cache, names=args.only)
    except Exception:
        traceback.print_exc()
        return 1
    if args.check:
        return 1 if check(args.image_dir, root, presets) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
