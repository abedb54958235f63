#!/usr/bin/env python3
"""The Python reference side of bench/run.sh: one long-lived (warm) process per venv.

    VENV/bin/python bench/ref_worker.py

Reads one JSON request per line on stdin, answers one JSON line on stdout. Interpreter start-up
and imports happen once, before the first answer ({"ready": ...}); every timed call then loads
the file from disk again (transformers.image_utils.load_image: PIL open + EXIF transpose +
convert("RGB"), exactly what the processor does when given a path) and runs the processor:

  {"op": "image", "backend": "pil"|"torchvision", "preset": P, "file": F}
        Qwen2VLImageProcessorPil / Qwen2VLImageProcessor (torchvision backend) built from the
        preset's published preprocessor_config.json; answers seconds and this call's peak RSS.
  {"op": "video", "preset": "qwen2.5-vl"|"qwen3-vl", "file": F}
        qwen2.5-vl: qwen_vl_utils.fetch_video (torchcodec reader) + Qwen2VLVideoProcessor
        (do_resize=False); qwen3-vl: Qwen3VLVideoProcessor(videos=F) at its published config
        (torchcodec through transformers.video_utils). The recipes of scripts/ref/gen_torch_refs.py.
  {"op": "check", "preset": P, "file": F, "mmprep": SAFETENSORS}
        bit-identity: the Pil processor's pixel_values / image_grid_thw against mmprep's file.

Peak RSS per call: VmHWM is reset (write 5 to /proc/self/clear_refs) before the call and read
after it, so it is the process's peak during that call (interpreter and libraries included).
torch runs with torch.set_num_threads(1). Each answer also gives the process CPU time of the call
(time.process_time(): user + system of all its threads).
"""

import json
import os
import sys
import time

os.environ.setdefault("FORCE_QWENVL_VIDEO_READER", "torchcodec")

OPENAI_CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
# preprocessor_config.json of Qwen/Qwen2.5-VL-7B-Instruct and Qwen/Qwen3-VL-8B-Instruct
# (as in Tests/Parity/reference_images.py and scripts/ref/gen_torch_refs.py).
IMAGE_CONFIGS = {
    "qwen2.5-vl": dict(min_pixels=3136, max_pixels=12845056, patch_size=14, temporal_patch_size=2,
                       merge_size=2, image_mean=OPENAI_CLIP_MEAN, image_std=OPENAI_CLIP_STD),
    "qwen3-vl": dict(size={"longest_edge": 16777216, "shortest_edge": 65536}, patch_size=16,
                     temporal_patch_size=2, merge_size=2, image_mean=[0.5, 0.5, 0.5],
                     image_std=[0.5, 0.5, 0.5]),
}
QWEN25_VIDEO_CONFIG = dict(min_pixels=3136, max_pixels=12845056, patch_size=14, temporal_patch_size=2,
                           merge_size=2, image_mean=OPENAI_CLIP_MEAN, image_std=OPENAI_CLIP_STD)
QWEN3_VIDEO_CONFIG = dict(size={"longest_edge": 25165824, "shortest_edge": 4096}, patch_size=16,
                          temporal_patch_size=2, merge_size=2, image_mean=[0.5, 0.5, 0.5],
                          image_std=[0.5, 0.5, 0.5], fps=2, min_frames=4, max_frames=768,
                          do_sample_frames=True, resample=3, do_resize=True, do_rescale=True,
                          do_normalize=True, do_convert_rgb=True, return_metadata=False)


def reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def hwm_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    import numpy as np
    import transformers
    from transformers.image_utils import load_image
    import PIL

    info = {"python": sys.version.split()[0], "transformers": transformers.__version__,
            "pillow": PIL.__version__, "numpy": np.__version__}
    have_torch = False
    torch_error = None
    try:
        import torch
        torch.set_num_threads(1)
        import torchvision  # noqa: F401
        info.update(torch=torch.__version__, torchvision=torchvision.__version__,
                    torch_threads=torch.get_num_threads())
        have_torch = True
        try:
            import torchcodec
            info["torchcodec"] = torchcodec.__version__
            from importlib.metadata import version
            info["qwen_vl_utils"] = version("qwen-vl-utils")
        except Exception as e:  # noqa: BLE001
            info["video_error"] = f"{type(e).__name__}: {e}"
    except Exception as e:  # noqa: BLE001
        torch_error = f"{type(e).__name__}: {e}"
        info["torch_error"] = torch_error

    procs = {}

    def image_proc(backend, preset):
        key = (backend, preset)
        if key not in procs:
            if backend == "pil":
                from transformers import Qwen2VLImageProcessorPil
                procs[key] = Qwen2VLImageProcessorPil(**IMAGE_CONFIGS[preset])
            else:
                from transformers.models.qwen2_vl.image_processing_qwen2_vl import Qwen2VLImageProcessor
                p = Qwen2VLImageProcessor(**IMAGE_CONFIGS[preset])
                assert getattr(p, "backend", "torchvision") == "torchvision", p.backend
                procs[key] = p
        return procs[key]

    def run_image(backend, preset, path):
        proc = image_proc(backend, preset)
        img = load_image(path)
        out = proc(images=img, return_tensors="np" if backend == "pil" else "pt")
        return out["pixel_values"], out["image_grid_thw"]

    def run_video(preset, path):
        import torch  # noqa: F401
        if preset == "qwen2.5-vl":
            from qwen_vl_utils import vision_process as qvp
            from transformers.models.qwen2_vl.video_processing_qwen2_vl import Qwen2VLVideoProcessor
            (video, meta), _fps = qvp.fetch_video({"video": path}, image_patch_size=14,
                                                  return_video_sample_fps=True,
                                                  return_video_metadata=True)
            proc = Qwen2VLVideoProcessor(**QWEN25_VIDEO_CONFIG)
            out = proc(videos=[video], do_resize=False, do_sample_frames=False, return_tensors="pt")
            backend = meta.get("video_backend")
        else:
            from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor
            proc = Qwen3VLVideoProcessor(**QWEN3_VIDEO_CONFIG)
            out = proc(videos=path, return_metadata=True, return_tensors="pt")
            backend = out["video_metadata"][0].video_backend
        pv = out["pixel_values_videos"]
        return list(pv.shape), [list(map(int, g)) for g in out["video_grid_thw"].tolist()], backend

    print(json.dumps({"ready": True, "info": info}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "image":
                if req["backend"] == "torchvision" and not have_torch:
                    raise RuntimeError(f"torch not available: {torch_error}")
                reset_hwm()
                c0, t0 = time.process_time(), time.perf_counter()
                pv, grid = run_image(req["backend"], req["preset"], req["file"])
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                ans = {"seconds": dt, "cpu_seconds": cpu, "peak_rss_kib": hwm_kib(), "shape": list(pv.shape),
                       "grid": np.asarray(grid).astype(int).tolist()}
            elif op == "video":
                if not have_torch:
                    raise RuntimeError(f"torch not available: {torch_error}")
                reset_hwm()
                c0, t0 = time.process_time(), time.perf_counter()
                shape, grid, backend = run_video(req["preset"], req["file"])
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                ans = {"seconds": dt, "cpu_seconds": cpu, "peak_rss_kib": hwm_kib(), "shape": shape, "grid": grid,
                       "video_backend": backend}
            elif op == "check":
                from safetensors.numpy import load_file
                pv, grid = run_image("pil", req["preset"], req["file"])
                mine = load_file(req["mmprep"])
                a = np.ascontiguousarray(pv, dtype=np.float32)
                b = mine["pixel_values"]
                same_shape = a.shape == b.shape
                identical = bool(same_shape and b.dtype == np.float32
                                 and np.array_equal(a.view(np.uint32), b.view(np.uint32))
                                 and np.array_equal(np.asarray(grid).astype(np.int64),
                                                    mine["image_grid_thw"].astype(np.int64)))
                ans = {"identical": identical, "shape": list(a.shape), "mmprep_shape": list(b.shape),
                       "differing": (int((a.view(np.uint32) != b.view(np.uint32)).sum())
                                     if same_shape else None)}
            elif op == "quit":
                break
            else:
                raise ValueError(op)
        except Exception as e:  # noqa: BLE001
            ans = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(ans), flush=True)


if __name__ == "__main__":
    main()
