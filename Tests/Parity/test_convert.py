"""`mmprep convert` end to end, read back with the stock Python readers.

Checks: safetensors.numpy and webdataset read the shards; every sample's tensors equal what
`mmprep preprocess` gives for the same media; 1 and 2 jobs give identical bytes; kill -9 at
random points followed by a rerun gives the uninterrupted result (by hashes); three workers
(run through deploy/slurm/convert.sbatch) merged equal one worker; bad inputs are reported in
failures.jsonl with their stage and the run goes on.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import load_file, load as load_bytes

REPO = Path(__file__).resolve().parent.parent.parent
BIN = os.environ.get("MMPREP_BIN", str(REPO / ".build" / "debug" / "mmprep"))
FIXTURES = REPO / "Tests" / "Fixtures"


def run(*args, check=True, env=None, timeout=600):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"mmprep {' '.join(map(str, args))} -> {p.returncode}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A folder of real photos, generated images (odd sizes, alpha), short videos and captions."""
    root = tmp_path_factory.mktemp("inputs")
    (root / "photos" / "nested").mkdir(parents=True)
    for name in ["rocket.jpg", "plant.jpg", "indexed-3x5.png", "brick-grey.png"]:
        shutil.copy(FIXTURES / "images" / name, root / "photos" / name)
    rng = np.random.default_rng(1234)
    for i, (w, h) in enumerate([(37, 100), (300, 41), (64, 64), (500, 3)]):
        arr = rng.integers(0, 256, (h, w, 4 if i % 2 else 3), dtype=np.uint8)
        Image.fromarray(arr).save(root / "photos" / "nested" / f"gen{i}.png")
        (root / "photos" / "nested" / f"gen{i}.txt").write_text(f"generated image {i} \u2014 {w}x{h}\n")
    (root / "photos" / "rocket.txt").write_text("A rocket.\n")
    for name in ["realshort.mp4", "mov.mov"]:
        shutil.copy(FIXTURES / "videos" / name, root / name)
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1.5",
                    "-pix_fmt", "yuv420p", "-c:v", "libx264", str(root / "synthetic.mp4")], check=True)
    (root / "notes.md").write_text("not media\n")
    return root


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file() and p.name.startswith(("shard-", "index", "failures"))}


def records(folder: Path) -> list[dict]:
    out = []
    for p in sorted(folder.glob("shard-*.jsonl")):
        out += [json.loads(line) for line in p.read_text().splitlines()]
    return out


def samples_by_key(folder: Path) -> dict[str, dict]:
    """key -> {'images': [arrays], 'videos': [arrays], 'text': ..., 'grids': ...} from safetensors shards."""
    index = json.loads((folder / "index.json").read_text())
    out = {}
    for shard in index["shards"]:
        tensors = load_file(str(folder / shard["name"]))
        lines = (folder / shard["records"]).read_text().splitlines()
        for line in lines:
            r = json.loads(line)
            imgs = [tensors["pixel_values"][a:b] for a, b in (i["rows"] for i in r["images"])]
            vids = [tensors["pixel_values_videos"][a:b] for a, b in (v["rows"] for v in r["videos"])]
            out[r["key"]] = {"images": imgs, "videos": vids, "text": r["text"],
                             "grids": [i["grid_thw"] for i in r["images"]] + [v["grid_thw"] for v in r["videos"]]}
    return out


@pytest.fixture(scope="module")
def reference_run(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ds"
    run("convert", inputs, "--pipeline", "qwen2.5-vl", "--output", out, "--jobs", 1, "--quiet",
        "--set", "output.max_samples=3")
    return out


def test_index_and_records_have_the_documented_keys(reference_run):
    index = json.loads((reference_run / "index.json").read_text())
    assert {"shards", "pipeline", "versions", "counts"} <= index.keys()
    assert index["counts"]["failed"] == 0 and index["counts"]["ok"] == 11
    assert index["counts"]["skipped"] == 1  # notes.md
    for s in index["shards"]:
        assert {"name", "samples", "rows", "bytes", "sha256"} <= s.keys()
        data = (reference_run / s["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == s["sha256"] and len(data) == s["bytes"]
        assert s["samples"] <= 3
    assert index["pipeline"]["image"]["patch_size"] == 14
    assert "mmprep" in index["versions"] and "libavcodec" in index["versions"]
    for r in records(reference_run):
        assert {"key", "sources", "text", "messages", "images", "videos", "warnings"} <= r.keys()
        for s in r["sources"]:
            assert {"path", "bytes", "sha256"} <= s.keys()
            assert hashlib.sha256(Path(s["path"]).read_bytes()).hexdigest() == s["sha256"]
    assert (reference_run / "failures.jsonl").read_text() == ""
    # Keys are sorted and unique across shards.
    keys = [r["key"] for r in records(reference_run)]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_tensors_equal_preprocess_for_every_sample(reference_run, inputs, tmp_path):
    got = samples_by_key(reference_run)
    for r in records(reference_run):
        media = r["sources"][0]["path"]
        out = tmp_path / (r["key"].replace("/", "_") + ".safetensors")
        run("preprocess", media, "--pipeline", "qwen2.5-vl", "--output", out)
        ref = load_file(str(out))
        if r["images"]:
            np.testing.assert_array_equal(got[r["key"]]["images"][0], ref["pixel_values"])
            assert r["images"][0]["grid_thw"] == ref["image_grid_thw"][0].tolist()
        else:
            np.testing.assert_array_equal(got[r["key"]]["videos"][0], ref["pixel_values_videos"])
            assert r["videos"][0]["grid_thw"] == ref["video_grid_thw"][0].tolist()


def test_one_and_two_jobs_give_identical_bytes(reference_run, inputs, tmp_path):
    out = tmp_path / "ds2"
    run("convert", inputs, "--pipeline", "qwen2.5-vl", "--output", out, "--jobs", 2, "--quiet",
        "--set", "output.max_samples=3")
    assert tree_hashes(out) == tree_hashes(reference_run)


def test_rerunning_a_finished_job_does_nothing(reference_run, inputs):
    before = tree_hashes(reference_run)
    p = run("convert", inputs, "--pipeline", "qwen2.5-vl", "--output", reference_run, "--quiet",
            "--set", "output.max_samples=3")
    assert "already complete" in p.stderr
    assert tree_hashes(reference_run) == before


def test_a_different_job_in_the_same_folder_is_refused(reference_run, inputs):
    p = run("convert", inputs, "--pipeline", "qwen3-vl", "--output", reference_run, "--quiet", check=False)
    assert p.returncode != 0 and "different job" in p.stderr


def test_kill9_at_random_points_then_rerun_gives_the_uninterrupted_result(reference_run, inputs, tmp_path):
    """kill -9 at random points of the run (scaled to how long an uninterrupted run takes),
    then reruns: after every completion the folder must equal the uninterrupted result."""
    rng = random.Random(7)

    def args(out):
        return [BIN, "convert", str(inputs), "--pipeline", "qwen2.5-vl", "--output", str(out), "--jobs", "2",
                "--quiet", "--set", "output.max_samples=3"]

    t0 = time.monotonic()
    subprocess.run(args(tmp_path / "timing"), check=True, capture_output=True)
    full = time.monotonic() - t0
    out = tmp_path / "killed"
    kills, completions = 0, 0
    for attempt in range(40):
        proc = subprocess.Popen(args(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.8) * full)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        if (out / "index.json").exists():
            completions += 1
            assert tree_hashes(out) == tree_hashes(reference_run)
            if kills >= 5:
                break
            shutil.rmtree(out)
    if not (out / "index.json").exists():
        subprocess.run(args(out), check=True, capture_output=True)
        completions += 1
    assert kills >= 5, f"only {kills} kills landed (uninterrupted run {full:.2f} s)"
    assert tree_hashes(out) == tree_hashes(reference_run)
    assert not any(".tmp-" in p.name for p in out.iterdir())


def test_webdataset_shards_read_with_webdataset(reference_run, inputs, tmp_path):
    import webdataset as wds
    out = tmp_path / "wds"
    run("convert", inputs, "--pipeline", "qwen2.5-vl", "--output", out, "--quiet",
        "--set", "output.format=webdataset", "--set", "output.max_samples=4")
    index = json.loads((out / "index.json").read_text())
    urls = [str(out / s["name"]) for s in index["shards"]]
    assert all(u.endswith(".tar") for u in urls)
    ref = samples_by_key(reference_run)
    seen = 0
    for sample in wds.WebDataset(urls, shardshuffle=False, empty_check=False):
        record = json.loads(sample["json"])
        tensors = load_bytes(sample["safetensors"])
        key = record["key"]
        assert sample["__key__"] == key
        if record["images"]:
            np.testing.assert_array_equal(tensors["pixel_values"], ref[key]["images"][0])
        else:
            np.testing.assert_array_equal(tensors["pixel_values_videos"], ref[key]["videos"][0])
        seen += 1
    assert seen == 11


def test_three_slurm_workers_merged_equal_one_worker(reference_run, inputs, tmp_path):
    root = tmp_path / "run"
    for task in range(3):
        env = dict(os.environ, SLURM_ARRAY_TASK_ID=str(task), SLURM_ARRAY_TASK_COUNT="3",
                   SLURM_ARRAY_TASK_MIN="0", SLURM_CPUS_PER_TASK="1", MMPREP=BIN)
        p = subprocess.run(["bash", str(REPO / "deploy" / "slurm" / "convert.sbatch"), str(inputs), str(root),
                            "qwen2.5-vl"], env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
    parts = sorted(root.glob("worker-*"))
    assert len(parts) == 3
    run("merge", *parts, "--output", root)
    merged = samples_by_key(root)
    single = samples_by_key(reference_run)
    assert merged.keys() == single.keys()
    for k in single:
        for a, b in zip(merged[k]["images"] + merged[k]["videos"], single[k]["images"] + single[k]["videos"]):
            np.testing.assert_array_equal(a, b)
        assert merged[k]["text"] == single[k]["text"]
    index = json.loads((root / "index.json").read_text())
    assert index["counts"]["ok"] == 11 and len(index["parts"]) == 3
    # A missing worker is refused unless asked for.
    p = run("merge", *parts[:2], "--output", tmp_path / "partial", check=False)
    assert p.returncode != 0 and "missing" in p.stderr


def test_bad_media_is_reported_and_the_run_goes_on(inputs, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(inputs / "photos", folder)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "fake.mp4").write_text("ffconcat version 1.0\nfile '/etc/passwd'\n")
    out = tmp_path / "ds"
    p = run("convert", folder, "--pipeline", "qwen3-vl", "--output", out, "--quiet", check=False)
    assert p.returncode != 0  # 3 failures > --max-failures 0
    failures = [json.loads(l) for l in (out / "failures.jsonl").read_text().splitlines()]
    assert sorted(f["key"] for f in failures) == ["broken", "empty", "fake"]
    for f in failures:
        assert f["stage"] == "decode" and f["path"].endswith((".jpg", ".mp4")) and f["error"]
        assert Path(f["path"]).name in f["error"]
    index = json.loads((out / "index.json").read_text())
    assert index["counts"] == {"ok": 8, "failed": 3, "skipped": 0}
    ok = run("convert", folder, "--pipeline", "qwen3-vl", "--output", tmp_path / "ds-b", "--quiet",
             "--max-failures", "3")
    assert ok.returncode == 0


def test_empty_or_unreadable_input_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    p = run("convert", tmp_path / "empty", "--output", tmp_path / "out", check=False)
    assert p.returncode != 0 and "no media found" in p.stderr
    p = run("convert", tmp_path / "missing", "--output", tmp_path / "out2", check=False)
    assert p.returncode != 0 and "missing" in p.stderr


def raw_tensor(path: Path, name: str) -> tuple[str, list[int], bytes]:
    """Reads one tensor's dtype, shape and bytes straight from the safetensors layout."""
    data = path.read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    e = header[name]
    a, b = e["data_offsets"]
    return e["dtype"], e["shape"], data[8 + n + a:8 + n + b]


def test_dtypes(inputs, tmp_path, reference_run):
    ref = samples_by_key(reference_run)
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
    for dtype in ["bfloat16", "float16", "uint8"]:
        out = tmp_path / dtype
        run("convert", inputs / "photos", "--pipeline", "qwen2.5-vl", "--output", out, "--quiet",
            "--set", f"output.dtype={dtype}", "--set", "output.max_samples=1")
        index = json.loads((out / "index.json").read_text())
        assert index["pipeline"]["output"]["dtype"] == dtype
        for shard in index["shards"]:
            (r,) = [json.loads(l) for l in (out / shard["records"]).read_text().splitlines()]
            want = ref["photos/" + r["key"]]["images"][0]
            if dtype == "bfloat16":
                st, shape, raw = raw_tensor(out / shard["name"], "pixel_values")
                assert st == "BF16" and shape == list(want.shape)
                bits = want.view(np.uint32).astype(np.uint64)
                rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
                np.testing.assert_array_equal(np.frombuffer(raw, dtype="<u2").reshape(shape), rounded)
            elif dtype == "float16":
                got = load_file(str(out / shard["name"]))["pixel_values"]
                np.testing.assert_array_equal(got, want.astype(np.float16))
            else:
                got = load_file(str(out / shard["name"]))["pixel_values"]
                assert got.dtype == np.uint8
                data = (out / shard["name"]).read_bytes()
                meta = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])["__metadata__"]
                np.testing.assert_allclose(json.loads(meta["mean"]), mean, rtol=1e-7)
                np.testing.assert_allclose(json.loads(meta["std"]), std, rtol=1e-7)
                c = np.repeat(np.arange(3), got.shape[1] // 3)
                np.testing.assert_allclose((want * std[c] + mean[c]) * 255, got.astype(np.float32), atol=0.01)


@pytest.fixture(scope="module")
def manifest_dir(tmp_path_factory) -> Path:
    """Both manifest formats, with good records and every kind of bad one."""
    root = tmp_path_factory.mktemp("manifests")
    media = root / "media"
    media.mkdir()
    shutil.copy(FIXTURES / "images" / "rocket.jpg", media / "rocket.jpg")
    shutil.copy(FIXTURES / "images" / "color.png", media / "color.png")
    shutil.copy(FIXTURES / "videos" / "realshort.mp4", media / "clip.mp4")
    (media / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    outside = tmp_path_factory.mktemp("outside")
    shutil.copy(FIXTURES / "images" / "plant.jpg", outside / "plant.jpg")
    (root / "escape").symlink_to(outside)
    msgs = [
        {"id": "good-image", "messages": [{"role": "user", "content": [
            {"type": "image", "image": "media/rocket.jpg"}, {"type": "text", "text": "Describe."}]},
            {"role": "assistant", "content": "A rocket."}]},
        {"id": "good-video", "messages": [{"role": "user", "content": [
            {"type": "video", "video": "media/clip.mp4", "fps": 1.0}, {"type": "text", "text": "What happens?"}]}]},
        {"id": "two-images", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [
            {"type": "image", "image": "media/color.png"}, {"type": "text", "text": "and"},
            {"type": "image", "image": "media/rocket.jpg", "max_pixels": 50176}]}]},
        {"id": "escapes-dotdot", "messages": [{"role": "user", "content": [
            {"type": "image", "image": os.path.relpath(outside / "plant.jpg", root)}]}]},
        {"id": "escapes-symlink", "messages": [{"role": "user", "content": [{"type": "image", "image": "escape/plant.jpg"}]}]},
        {"id": "absolute", "messages": [{"role": "user", "content": [{"type": "image", "image": str(outside / "plant.jpg")}]}]},
        {"id": "missing", "messages": [{"role": "user", "content": [{"type": "image", "image": "media/nope.jpg"}]}]},
        {"id": "undecodable", "messages": [{"role": "user", "content": [{"type": "image", "image": "media/broken.png"}]}]},
    ]
    lines = [json.dumps(m) for m in msgs] + ['{"id": "bad-json", "messages": [}', ""]
    (root / "chat.jsonl").write_text("\n".join(lines))
    llava = [
        {"id": "llava-image", "conversations": [{"from": "human", "value": "<image>\nWhat is it?"},
                                                 {"from": "gpt", "value": "A rocket."}], "images": ["media/rocket.jpg"]},
        {"id": "llava-video", "conversations": [{"from": "human", "value": "Watch <video> closely."},
                                                 {"from": "gpt", "value": "Movement."}], "videos": ["media/clip.mp4"]},
        {"id": "llava-mismatch", "conversations": [{"from": "human", "value": "<image><image>"}], "images": ["media/rocket.jpg"]},
    ]
    (root / "llava.jsonl").write_text("\n".join(json.dumps(m) for m in llava) + "\n")
    return root


def test_manifests_in_both_formats(manifest_dir, tmp_path):
    out = tmp_path / "ds"
    p = run("convert", manifest_dir / "chat.jsonl", manifest_dir / "llava.jsonl", "--pipeline", "qwen3-vl",
            "--output", out, "--quiet", check=False)
    assert p.returncode == 2
    failures = {f["key"]: f for f in map(json.loads, (out / "failures.jsonl").read_text().splitlines())}
    assert set(failures) == {"escapes-dotdot", "escapes-symlink", "absolute", "missing", "undecodable",
                             "chat-000009", "llava-mismatch"}
    assert failures["escapes-dotdot"]["stage"] == "input" and "outside" in failures["escapes-dotdot"]["error"]
    assert failures["escapes-symlink"]["stage"] == "input" and "outside" in failures["escapes-symlink"]["error"]
    assert failures["absolute"]["stage"] == "input" and "--allow-root" in failures["absolute"]["error"]
    assert failures["missing"]["stage"] == "input" and "no such file" in failures["missing"]["error"]
    assert failures["undecodable"]["stage"] == "decode" and "broken.png" in failures["undecodable"]["error"]
    assert failures["chat-000009"]["stage"] == "input" and "chat.jsonl:9" in failures["chat-000009"]["path"]
    assert failures["llava-mismatch"]["stage"] == "input"
    recs = {r["key"]: r for r in records(out)}
    assert set(recs) == {"good-image", "good-video", "two-images", "llava-image", "llava-video"}
    # The text is the chat template with each placeholder expanded from the sample's own grids,
    # exactly as `mmprep render-text` (parity-tested against transformers) renders it.
    for key, r in recs.items():
        grids = {"images": [{"tokens": (g[0] * g[1] * g[2]) // 4} for g in (i["grid_thw"] for i in r["images"])],
                 "videos": [{"tokens_per_group": (v["grid_thw"][1] * v["grid_thw"][2]) // 4,
                             "timestamps": [], "frame_indices": v["frame_indices"]} for v in r["videos"]]}
        assert r["text"].count("<|image_pad|>") == sum(g["tokens"] for g in grids["images"])
        assert r["text"].count("<|video_pad|>") == sum(
            v["grid_thw"][0] * v["grid_thw"][1] * v["grid_thw"][2] // 4 for v in r["videos"])
        # Qwen3: one "<t seconds>" stamp per temporal group.
        assert r["text"].count(" seconds>") == sum(v["grid_thw"][0] for v in r["videos"])
    assert "Be brief." in recs["two-images"]["text"] and recs["two-images"]["images"][1]["grid_thw"][1] <= 14
    assert recs["llava-video"]["text"].startswith("<|im_start|>user\nWatch <|vision_start|><0.")
    # Granting the outside folder lets the absolute path through.
    out2 = tmp_path / "granted"
    run("convert", manifest_dir / "chat.jsonl", "--pipeline", "qwen3-vl", "--output", out2, "--quiet",
        "--allow-root", str(next(manifest_dir.parent.glob("outside*"))), "--max-failures", "10")
    keys = {r["key"] for r in records(out2)}
    assert "absolute" in keys and "escapes-dotdot" in keys


def test_record_text_equals_render_text(manifest_dir, tmp_path):
    """convert's text for a record equals render-text's for the same messages and grids."""
    out = tmp_path / "ds"
    run("convert", manifest_dir / "chat.jsonl", "--pipeline", "qwen2.5-vl", "--output", out, "--quiet",
        "--max-failures", "100")
    for r in records(out):
        messages = tmp_path / f"{r['key']}.json"
        messages.write_text(json.dumps({"messages": r["messages"]}))
        grids = tmp_path / f"{r['key']}.grids.json"
        grids.write_text(json.dumps({
            "images": [{"tokens": (g[0] * g[1] * g[2]) // 4} for g in (i["grid_thw"] for i in r["images"])],
            "videos": [{"tokens_per_group": (v["grid_thw"][1] * v["grid_thw"][2]) // 4,
                        "timestamps": [0.0] * v["grid_thw"][0]} for v in r["videos"]]}))
        p = run("render-text", "--family", "qwen2.5-vl", "--messages", messages, "--grids", grids)
        assert p.stdout == r["text"], r["key"]


def test_kubernetes_indexed_job_environment_picks_the_worker_slot(inputs, tmp_path):
    env = dict(os.environ, JOB_COMPLETION_INDEX="1", MMPREP_WORKER_COUNT="3")
    out = tmp_path / "k8s-1"
    p = subprocess.run([BIN, "convert", str(inputs), "--pipeline", "qwen2.5-vl", "--output", str(out), "--quiet"],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    index = json.loads((out / "index.json").read_text())
    assert index["worker"] == {"index": 1, "count": 3}
    assert 0 < index["counts"]["ok"] < 11


# decode.isolation: process — decoding in child processes.

def test_process_isolation_gives_identical_shards(reference_run, inputs, tmp_path):
    out = tmp_path / "iso"
    run("convert", inputs, "--pipeline", "qwen2.5-vl", "--output", out, "--jobs", 2, "--quiet",
        "--set", "output.max_samples=3", "--set", "decode.isolation=process")
    ref, iso = tree_hashes(reference_run), tree_hashes(out)
    ref.pop("index.json"), iso.pop("index.json")   # the index records the pipeline, which differs
    assert iso == ref


def test_process_isolation_a_decoder_crash_costs_one_input_not_the_run(tmp_path):
    """A real crash in decoding (the debug build's switch aborts inside decode): in process it
    takes the run down; with decode.isolation: process it costs that one input."""
    debug_bin = REPO / ".build" / "debug" / "mmprep"
    assert debug_bin.exists(), "the crash switch is compiled into debug builds only: swift build first"
    src = tmp_path / "in"
    src.mkdir()
    for name in ["rocket.jpg", "plant.jpg"]:
        shutil.copy(FIXTURES / "images" / name, src / name)
    shutil.copy(FIXTURES / "images" / "rocket.jpg", src / "crashme.jpg")
    env = dict(os.environ, MMPREP_DEBUG_ABORT_DECODING="crashme")
    args = ["convert", src, "--pipeline", "qwen2.5-vl", "--quiet", "--max-failures", "1"]
    p = subprocess.run([str(debug_bin), *map(str, args), "--output", str(tmp_path / "a")],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == -signal.SIGABRT
    p = subprocess.run([str(debug_bin), *map(str, args), "--output", str(tmp_path / "b"),
                        "--set", "decode.isolation=process"], capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    failures = [json.loads(l) for l in (tmp_path / "b" / "failures.jsonl").read_text().splitlines()]
    assert [f["key"] for f in failures] == ["crashme"]
    assert failures[0]["stage"] == "decode" and "died of signal 6" in failures[0]["error"]
    assert sorted(r["key"] for r in records(tmp_path / "b")) == ["plant", "rocket"]


def test_process_isolation_memory_and_time_limits(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=4000x3000", "-frames:v", "1",
                    str(src / "big.png")], check=True)
    shutil.copy(FIXTURES / "images" / "rocket.jpg", src / "rocket.jpg")
    base = ["convert", src, "--pipeline", "qwen2.5-vl", "--quiet", "--max-failures", "5",
            "--set", "decode.isolation=process"]
    # RLIMIT_AS: the 4000x3000 image cannot be decoded in 300 MB; the small one can.
    run(*base, "--output", tmp_path / "mem", "--set", f"decode.memory_limit={300 << 20}")
    failures = [json.loads(l) for l in (tmp_path / "mem" / "failures.jsonl").read_text().splitlines()]
    assert [f["key"] for f in failures] == ["big"] and "decode.memory_limit" in failures[0]["error"]
    assert [r["key"] for r in records(tmp_path / "mem")] == ["rocket"]
    # Wall-clock budget: the child is killed, each input fails with `timeout`, the run ends.
    t0 = time.monotonic()
    run(*base, "--output", tmp_path / "time", "--set", "decode.cpu_limit=0.001", timeout=120)
    assert time.monotonic() - t0 < 60
    failures = [json.loads(l) for l in (tmp_path / "time" / "failures.jsonl").read_text().splitlines()]
    assert sorted(f["key"] for f in failures) == ["big", "rocket"]
    assert all("timeout" in f["error"] for f in failures)


@pytest.mark.parametrize("jobs", [1, 2])
def test_disk_full_stops_with_a_clear_error_and_a_rerun_finishes_exactly(tmp_path, jobs):
    """ENOSPC while writing a shard: a clear error naming the file, exit 1, the committed shards
    untouched, no temporary file left; after space returns, the rerun resumes and the result
    equals a clean run. With 2 jobs the workers write the tensors (spool files) and the error can
    come from them, and a shard may be finishing on another thread when it happens."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(6):
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=300x200", "-frames:v", "1",
                        "-vf", f"hue=h={i * 40}", str(src / f"img{i}.png")], check=True)
    args = ["convert", src, "--pipeline", "qwen2.5-vl", "--quiet", "--set", "output.max_samples=2", "--jobs", jobs]
    run(*args, "--output", tmp_path / "clean")
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(small)], check=True)
    try:
        p = run(*args, "--output", small / "out", check=False)
        assert p.returncode == 1 and "No space left on device" in p.stderr and str(small / "out") in p.stderr
        committed = sorted(x.name for x in (small / "out").glob("shard-*.safetensors"))
        # With one job the first shard is committed before the disk fills. With two, the workers'
        # spool files (the samples ahead in the window) take space first, so how far the run got
        # depends on timing.
        assert len(committed) < 3 and (committed or jobs == 2)
        before = {n: hashlib.sha256((small / "out" / n).read_bytes()).hexdigest() for n in committed}
        assert not list((small / "out").glob("*.tmp-*"))
        subprocess.run(["mount", "-o", "remount,size=64m", str(small)], check=True)
        run(*args, "--output", small / "out")
        assert {n: hashlib.sha256((small / "out" / n).read_bytes()).hexdigest() for n in committed} == before
        assert tree_hashes(small / "out") == tree_hashes(tmp_path / "clean")
    finally:
        subprocess.run(["umount", "-l", str(small)])
