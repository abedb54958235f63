"""`mmprep preview` end to end: the contact sheet shows exactly the patches' pixels.

For media files the sheet is compared with `mmprep preprocess` of the same file; for SHARD#KEY with the
rows of the shard (float32 safetensors, uint8 webdataset). Each check: the PNG opens with Pillow; its size
and every tile's rectangle follow the documented layout (ContactSheet.swift) from the captions, titles and
header that `--json` reports; every tile pixel off the grid lines equals the de-normalised
`round((x*std + mean)*255)` of the patches reshaped with the documented layout
(docs/pipeline.md, reference-semantics.md section 6); the grid is drawn on the line pixels; video
tiles carry the padded frame indices, timestamps and group timestamps of the plan.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import load_file, load as load_bytes

REPO = Path(__file__).resolve().parent.parent.parent
BIN = os.environ.get("MMPREP_BIN", str(REPO / ".build" / "debug" / "mmprep"))
SAMPLES = REPO / "samples"
FIXTURES = REPO / "Tests" / "Fixtures"

# ContactSheet layout constants (pixels).
MARGIN, BORDER, GAP, CAPTION_GAP, SECTION_GAP, TITLE_GAP = 16, 3, 16, 4, 20, 8


def run(*args, check=True):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"mmprep {' '.join(map(str, args))} -> {p.returncode}\n{p.stderr}")
    return p


def preview(target, out: Path, *args) -> dict:
    report = json.loads(run("preview", target, "-o", out, "--json", *args).stdout)
    assert Path(report["output"]) == out
    return report


def unpatchify(values: np.ndarray, grid, p: int, m: int, t: int) -> np.ndarray:
    """[rows, 3*T*p*p] -> [gt*T, gh*p, gw*p, 3], inverting
    row = g*gh*gw + ((bh*(gw/m) + bw)*m + mh)*m + mw, col = ((c*T + t)*p + py)*p + px."""
    gt, gh, gw = (int(v) for v in grid)
    x = values.reshape(gt, gh // m, gw // m, m, m, 3, t, p, p)
    x = x.transpose(0, 6, 1, 3, 7, 2, 4, 8, 5)  # g, t, bh, mh, py, bw, mw, px, c
    return x.reshape(gt * t, gh * p, gw * p, 3)


def denormalise(values: np.ndarray, mean, std) -> np.ndarray:
    if values.dtype == np.uint8:
        return values
    x = values.astype(np.float64) * np.asarray(std) + np.asarray(mean)
    return np.clip(np.floor(x * 255 + 0.5), 0, 255).astype(np.uint8)


def text_width(text: str, scale: int) -> int:
    return (len(text) * 6 - 1) * scale if text else 0


def check_layout(report: dict, sheet: np.ndarray):
    """Recompute the sheet's size and every tile's rectangle from the documented layout."""
    s, cols, zoom = report["text_scale"], report["columns"], report["zoom"]
    L = 10 * s
    assert sheet.shape == (report["height"], report["width"], 3)
    width = max([text_width(h, s) for h in report["header"]] + [0])
    y = MARGIN + len(report["header"]) * L
    expected = []
    for si, section in enumerate(report["sections"]):
        tiles = [t for t in report["tiles"] if t["section"] == si]
        assert len(tiles) == section["tiles"]
        cell_w = max(max(t["width"] + 2 * BORDER, *(text_width(c, s) for c in t["caption"])) for t in tiles)
        cell_h = max(t["height"] + 2 * BORDER + (CAPTION_GAP + len(t["caption"]) * L if t["caption"] else 0)
                     for t in tiles)
        per_row = min(cols, len(tiles))
        rows = -(-len(tiles) // per_row)
        width = max(width, per_row * cell_w + (per_row - 1) * GAP, text_width(section["title"], s))
        y += SECTION_GAP + L + TITLE_GAP
        for i, _ in enumerate(tiles):
            expected.append((MARGIN + (i % per_row) * (cell_w + GAP) + BORDER, y + (i // per_row) * (cell_h + GAP) + BORDER))
        y += rows * cell_h + (rows - 1) * GAP
    assert (report["width"], report["height"]) == (width + 2 * MARGIN, y + MARGIN)
    assert [(t["x"], t["y"]) for t in report["tiles"]] == expected
    for t in report["tiles"]:
        assert t["width"] % zoom == 0 and t["height"] % zoom == 0


def check_tile(sheet: np.ndarray, tile: dict, frame: np.ndarray, zoom: int, p: int, window: int):
    """Pixels off the grid lines are the frame's; the line pixels are not all untouched."""
    assert (tile["height"], tile["width"]) == (frame.shape[0] * zoom, frame.shape[1] * zoom)
    shown = sheet[tile["y"]:tile["y"] + tile["height"], tile["x"]:tile["x"] + tile["width"]]
    want = np.repeat(np.repeat(frame, zoom, axis=0), zoom, axis=1)
    yy, xx = np.mgrid[0:tile["height"], 0:tile["width"]]
    step = p * zoom
    on_line = ((yy % step == 0) & (yy > 0)) | ((xx % step == 0) & (xx > 0))
    off = ~on_line
    bad = np.argwhere((shown != want).any(axis=2) & off)
    assert bad.size == 0, f"{len(bad)} interior pixels differ, first at (y, x) = {tuple(bad[0])}"
    major = (((yy % (window * zoom) == 0) & (yy > 0)) | ((xx % (window * zoom) == 0) & (xx > 0)))
    if major.any():
        assert (shown[major] != want[major]).any(), "no merge-window grid drawn"
    # The border around the tile is one colour, outside the tile.
    border = sheet[tile["y"] - BORDER, tile["x"] - BORDER:tile["x"] + tile["width"] + BORDER]
    assert (border == border[0]).all() and tuple(border[0]) != (255, 255, 255)


CLIP = ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))
HALF = ((0.5,) * 3, (0.5,) * 3)

# (id, media, pipeline, --set overrides, preview-only options)
MEDIA = [
    ("rocket.jpg", SAMPLES / "rocket.jpg", "qwen2.5-vl", [], []),
    ("color-qwen3", SAMPLES / "color.png", "qwen3-vl", ["image.max_pixels=80000"], ["--zoom", "2"]),
    ("indexed-3x5", FIXTURES / "images" / "indexed-3x5.png", "qwen3-vl", [], ["--zoom", "3"]),
    ("realshort.mp4", SAMPLES / "realshort.mp4", "qwen2.5-vl", [], []),
    ("realshort-bf16", SAMPLES / "realshort.mp4", "qwen2.5-vl", ["output.dtype=bfloat16"], ["--columns", "3"]),
    ("tree-padded", FIXTURES / "videos" / "tree-cinepak.avi", "qwen3-vl",
     ["video.sampling=uniform", "video.frames=5"], ["--columns", "2"]),
]


def read_safetensors(path: Path):
    """{name: array} and the metadata, reading BF16 too (as float32), which numpy lacks."""
    blob = path.read_bytes()
    n = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        raw = blob[8 + n + a:8 + n + b]
        kind = {"F32": "<f4", "F16": "<f2", "U8": "u1", "I64": "<i8", "BF16": "<u2"}[e["dtype"]]
        arr = np.frombuffer(raw, dtype=kind).reshape(e["shape"])
        if e["dtype"] == "BF16":
            arr = (arr.astype(np.uint32) << 16).view(np.float32)
        out[name] = arr
    return out, meta


@pytest.mark.parametrize("name,media,pipeline,sets,view", MEDIA, ids=[m[0] for m in MEDIA])
def test_preview_media_matches_preprocess(tmp_path, name, media, pipeline, sets, view):
    pipeline_args = ["--pipeline", pipeline] + [a for kv in sets for a in ("--set", kv)]
    run("preprocess", media, "-o", tmp_path / "p.safetensors", *pipeline_args)
    report = preview(media, tmp_path / "sheet.png", *pipeline_args, *view)
    with Image.open(tmp_path / "sheet.png") as im:
        assert im.format == "PNG" and im.mode == "RGB"
        sheet = np.asarray(im)
    check_layout(report, sheet)

    tensors, meta = read_safetensors(tmp_path / "p.safetensors")
    video = "pixel_values_videos" in tensors
    values = tensors["pixel_values_videos" if video else "pixel_values"]
    grid = tensors["video_grid_thw" if video else "image_grid_thw"][0]
    section = report["sections"][0]
    p, window = section["patch_size"], section["window_size"]
    assert (p, window) == ((16, 32) if pipeline == "qwen3-vl" else (14, 28))
    m, t = window // p, 2
    mean, std = HALF if pipeline == "qwen3-vl" else CLIP
    frames = denormalise(unpatchify(values, grid, p, m, t), mean, std)
    assert frames.shape[1:3] == (int(meta["resized_height"]), int(meta["resized_width"]))
    tiles = report["tiles"]
    if video:
        assert len(tiles) == frames.shape[0] == int(grid[0]) * t
        padded = json.loads(meta["padded_frame_indices"])
        stamps = json.loads(meta["timestamps"])
        groups = json.loads(meta["group_timestamps"])
        assert [tl["frame_index"] for tl in tiles] == padded
        sampled = len(json.loads(meta["frame_indices"]))
        assert [tl["padded"] for tl in tiles] == [i >= sampled for i in range(len(tiles))]
        for i, tl in enumerate(tiles):
            assert tl["timestamp"] == pytest.approx(stamps[min(i, sampled - 1)])
            assert tl["group"] == i // t
            assert tl["group_timestamp"] == pytest.approx(groups[i // t])
            assert tl["caption"][0].startswith(f"#{padded[i]}  {stamps[min(i, sampled - 1)]:.2f} s")
            assert tl["caption"][1] == f"group {i // t}  <{groups[i // t]:.1f} seconds>"
    else:
        assert len(tiles) == 1
        assert (frames[0] == frames[1]).all()
    for i, tl in enumerate(tiles):
        check_tile(sheet, tl, frames[i], report["zoom"], p, window)
    assert section["title"].startswith(("video 0" if video else "image 0") + f"  grid_thw [{', '.join(map(str, grid))}]")


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    """samples/ converted twice: float32 safetensors shards, and uint8 webdataset shards."""
    root = tmp_path_factory.mktemp("preview-ds")
    # The samples folder also holds manifests some builds cannot read yet: tolerate their failures.
    run("convert", SAMPLES, "-o", root / "st", "--quiet", "--max-failures", "1000")
    run("convert", SAMPLES, "-o", root / "wds", "--quiet", "--max-failures", "1000",
        "--set", "output.dtype=uint8", "--set", "output.format=webdataset")
    return root


def shard_items(record: dict, read_rows) -> list:
    """(kind, grid, values, record item) for every image then every video of a record."""
    out = []
    for kind, name in (("images", "pixel_values"), ("videos", "pixel_values_videos")):
        for item in record[kind]:
            a, b = item["rows"]
            out.append((kind, item["grid_thw"], read_rows(name)[a:b], item))
    return out


def check_shard_preview(tmp_path, target: str, record: dict, meta: dict, read_rows, index: dict):
    report = preview(target, tmp_path / "sheet.png")
    with Image.open(tmp_path / "sheet.png") as im:
        sheet = np.asarray(im.convert("RGB"))
    check_layout(report, sheet)
    image_cfg = index["pipeline"]["image"]
    p, m, t = image_cfg["patch_size"], image_cfg["merge_size"], image_cfg["temporal_patch_size"]
    mean, std = json.loads(meta["mean"]), json.loads(meta["std"])
    items = shard_items(record, read_rows)
    assert len(report["sections"]) == len(items)
    for si, (kind, grid, values, item) in enumerate(items):
        frames = denormalise(unpatchify(values, grid, p, m, t), mean, std)
        tiles = [tl for tl in report["tiles"] if tl["section"] == si]
        if kind == "images":
            assert len(tiles) == 1
        else:
            assert len(tiles) == grid[0] * t
            idx = item["frame_indices"]
            assert [tl["frame_index"] for tl in tiles] == [idx[min(i, len(idx) - 1)] for i in range(len(tiles))]
        for i, tl in enumerate(tiles):
            check_tile(sheet, tl, frames[i], report["zoom"], p, p * m)
    assert report["header"][0] == target


@pytest.mark.parametrize("key", ["rocket", "realshort"])
def test_preview_safetensors_shard(tmp_path, datasets, key):
    folder = datasets / "st"
    shard = folder / "shard-000000.safetensors"
    records = {json.loads(l)["key"]: json.loads(l) for l in (folder / "shard-000000.jsonl").read_text().splitlines()}
    tensors = load_file(str(shard))
    with open(shard, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        meta = json.loads(f.read(n))["__metadata__"]
    index = json.loads((folder / "index.json").read_text())
    check_shard_preview(tmp_path, f"{shard}#{key}", records[key], meta, lambda name: tensors[name], index)


@pytest.mark.parametrize("key", ["rocket", "realshort"])
def test_preview_webdataset_uint8_shard(tmp_path, datasets, key):
    import tarfile
    folder = datasets / "wds"
    shard = folder / "shard-000000.tar"
    with tarfile.open(shard) as tar:
        record = json.loads(tar.extractfile(f"{key}.json").read())
        blob = tar.extractfile(f"{key}.safetensors").read()
    tensors = load_bytes(blob)
    n = int.from_bytes(blob[:8], "little")
    meta = json.loads(blob[8:8 + n])["__metadata__"]
    assert meta["dtype"] == "U8"
    index = json.loads((folder / "index.json").read_text())
    check_shard_preview(tmp_path, f"{shard}#{key}", record, meta, lambda name: tensors[name], index)


def test_preview_errors_name_the_file(tmp_path, datasets):
    shard = datasets / "st" / "shard-000000.safetensors"
    p = run("preview", f"{shard}#no-such-key", "-o", tmp_path / "x.png", check=False)
    assert p.returncode == 1
    assert str(datasets / "st" / "shard-000000.jsonl") in p.stderr and "no-such-key" in p.stderr
    tar = datasets / "wds" / "shard-000000.tar"
    p = run("preview", f"{tar}#no-such-key", "-o", tmp_path / "x.png", check=False)
    assert p.returncode == 1 and str(tar) in p.stderr and "rocket" in p.stderr
    p = run("preview", f"{tmp_path}/missing.safetensors#k", "-o", tmp_path / "x.png", check=False)
    assert p.returncode == 1 and "missing.safetensors" in p.stderr
    p = run("preview", SAMPLES / "rocket.jpg", "-o", tmp_path / "no" / "dir" / "x.png", check=False)
    assert p.returncode == 1 and "x.png" in p.stderr
    assert not (tmp_path / "x.png").exists()


def test_preview_multi_item_sample_without_index(tmp_path):
    """A hand-made shard whose one sample has two images and a video, with no index.json: one section per
    item (images first), the layout from --pipeline."""
    parts = {}
    for name, media in [("a", SAMPLES / "rocket.jpg"), ("b", SAMPLES / "color.png"), ("v", SAMPLES / "realshort.mp4")]:
        run("preprocess", media, "-o", tmp_path / f"{name}.safetensors")
        parts[name] = read_safetensors(tmp_path / f"{name}.safetensors")
    a, b, v = parts["a"][0], parts["b"][0], parts["v"][0]
    from safetensors.numpy import save_file
    folder = tmp_path / "ds" / "part"
    folder.mkdir(parents=True)
    pad = np.zeros((5, a["pixel_values"].shape[1]), np.float32)  # rows of another sample before this one
    tensors = {
        "pixel_values": np.concatenate([pad, a["pixel_values"], b["pixel_values"]]),
        "image_grid_thw": np.concatenate([a["image_grid_thw"], b["image_grid_thw"]]),
        "pixel_values_videos": v["pixel_values_videos"],
        "video_grid_thw": v["video_grid_thw"],
    }
    mean, std = CLIP
    save_file(tensors, str(folder / "shard-000000.safetensors"),
              metadata={"format": "pt", "dtype": "F32", "mean": json.dumps(mean), "std": json.dumps(std)})
    na, nb = len(a["pixel_values"]), len(b["pixel_values"])
    vmeta = parts["v"][1]
    record = {"key": "multi", "images": [
        {"rows": [5, 5 + na], "grid_thw": a["image_grid_thw"][0].tolist()},
        {"rows": [5 + na, 5 + na + nb], "grid_thw": b["image_grid_thw"][0].tolist()}],
        "videos": [{"rows": [0, len(v["pixel_values_videos"])], "grid_thw": v["video_grid_thw"][0].tolist(),
                    "frame_indices": json.loads(vmeta["frame_indices"]),
                    "timestamps": json.loads(vmeta["timestamps"]), "second_per_grid_ts": None}]}
    (folder / "shard-000000.jsonl").write_text(json.dumps({"key": "other", "images": [], "videos": []}) + "\n"
                                               + json.dumps(record) + "\n")
    target = f"{folder / 'shard-000000.safetensors'}#multi"
    index = {"pipeline": {"image": {"patch_size": 14, "merge_size": 2, "temporal_patch_size": 2}}}
    meta = {"mean": json.dumps(mean), "std": json.dumps(std)}
    check_shard_preview(tmp_path, target, record, meta, lambda name: tensors[name], index)
    report = preview(target, tmp_path / "sheet2.png", "--columns", "1")
    assert [s["title"].split("  ")[0] for s in report["sections"]] == ["image 0", "image 1", "video 0"]
    assert "from --pipeline" in report["header"][1]
    # A layout that does not match the tensor's columns is refused with the file named.
    p = run("preview", target, "-o", tmp_path / "x.png", "--pipeline", "qwen3-vl", check=False)
    assert p.returncode == 1 and "shard-000000.safetensors" in p.stderr and "columns" in p.stderr
    p = run("preview", f"{folder / 'shard-000000.safetensors'}#other", "-o", tmp_path / "x.png", check=False)
    assert p.returncode == 1 and "no images or videos" in p.stderr
