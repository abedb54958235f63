"""Parity of `mmprep render-text` with the real transformers processors (5.24).

For each case in gen_text_cases.py the reference text is what a training loop gets from

    prompt = processor.apply_chat_template(messages, tokenize=False, **kwargs)
    processor(text=prompt, images=..., videos=...)      # placeholder expansion

computed with the real Qwen2VLProcessor / Qwen2_5_VLProcessor / Qwen3VLProcessor (qwen3.5 uses
Qwen3VLProcessor too), built on the fly:

- tokenizer: a `tokenizers` WordLevel model wrapped in PreTrainedTokenizerFast with the Qwen
  special tokens (<|endoftext|>, <|im_start|>, <|im_end|>, <|vision_start|>, <|vision_end|>,
  <|image_pad|>, <|video_pad|>);
- chat template: the committed copy in Tests/Fixtures/chat-templates/FAMILY.jinja, rendered by
  real Jinja (transformers' own sandboxed environment);
- images: real PIL images through the real Qwen2VLImageProcessorPil (patch 14 for Qwen2/2.5-VL,
  16 for Qwen3-VL/3.5, merge 2), via the processor's own `_process_images`, which calls its
  `replace_image_token`;
- videos: every video processor class needs torch, which the test venv does not have. The
  processor is therefore built with a stand-in video processor holding only the two numbers the
  processor reads from it (merge_size=2, temporal_patch_size=2); the class check for that one
  argument is bypassed. Video replacements come from the processor's own `replace_video_token`
  given `video_grid_thw` and a real `VideoMetadata` (frames_indices, fps) — for Qwen3 that is
  the code that computes the per-group timestamps and writes `<{t:.1f} seconds>`.

The text is then expanded by the processor's own `get_text_with_replacements` (what `__call__`
does), after its `validate_inputs` placeholder/media count check. For image-only cases the full
`processor(text=..., images=...)` is also run and its input_ids compared with the tokenized
mmprep text.

mmprep gets the case's record (Qwen messages, ShareGPT, role-tagged LLaMA-Factory or caption
record) and, per image, `tokens = prod(image_grid_thw) // 4`; per video `tokens_per_group =
h*w // 4` and the timestamps from the processor's `_calculate_timestamps` (Qwen3) or the group
count (Qwen2/2.5). The two texts must be byte-identical.

MMPREP_BIN points to the binary (default .build/debug/mmprep); a missing binary fails the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import types
from pathlib import Path

import numpy as np
import pytest

from gen_text_cases import CASES, reference_messages

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TEMPLATES = REPO / "Tests" / "Fixtures" / "chat-templates"
MMPREP_BIN = Path(os.environ.get("MMPREP_BIN", REPO / ".build" / "debug" / "mmprep"))

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
           "<|image_pad|>", "<|video_pad|>"]

try:
    import jinja2  # noqa: F401  (apply_chat_template needs it; transformers does not install it)
    from PIL import Image
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (PreTrainedTokenizerFast, Qwen2_5_VLProcessor, Qwen2VLImageProcessorPil,
                              Qwen2VLProcessor, Qwen3VLProcessor)
    from transformers.processing_utils import ProcessorMixin
    from transformers.video_utils import VideoMetadata
    IMPORT_ERROR = None
except ImportError as e:  # pragma: no cover - reported by the tests
    IMPORT_ERROR = e

PROCESSORS = {"qwen2-vl": "Qwen2VLProcessor", "qwen2.5-vl": "Qwen2_5_VLProcessor",
              "qwen3-vl": "Qwen3VLProcessor", "qwen3.5": "Qwen3VLProcessor"}
PATCH = {"qwen2-vl": 14, "qwen2.5-vl": 14, "qwen3-vl": 16, "qwen3.5": 16}
MERGE = 2
TEMPORAL = 2

def _tokenizer():
    tk = Tokenizer(models.WordLevel(vocab={"[UNK]": 0}, unk_token="[UNK]"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="[UNK]", eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", additional_special_tokens=SPECIAL[1:])


def _build_processor(family: str):
    """The real processor class with the committed template and a stand-in video processor."""
    cls = {"Qwen2VLProcessor": Qwen2VLProcessor, "Qwen2_5_VLProcessor": Qwen2_5_VLProcessor,
           "Qwen3VLProcessor": Qwen3VLProcessor}[PROCESSORS[family]]
    template = (TEMPLATES / f"{family}.jinja").read_text(encoding="utf-8")
    image_processor = Qwen2VLImageProcessorPil(patch_size=PATCH[family], merge_size=MERGE, temporal_patch_size=TEMPORAL)
    video_stand_in = types.SimpleNamespace(merge_size=MERGE, temporal_patch_size=TEMPORAL)
    original = ProcessorMixin.check_argument_for_proper_class

    def check(self, name, arg):
        if name == "video_processor" and arg is video_stand_in:
            return type(arg)
        return original(self, name, arg)

    ProcessorMixin.check_argument_for_proper_class = check
    try:
        return cls(image_processor=image_processor, tokenizer=_tokenizer(), video_processor=video_stand_in,
                   chat_template=template)
    finally:
        ProcessorMixin.check_argument_for_proper_class = original


_PROCESSOR_CACHE: dict = {}


def processor_for(family: str):
    if family not in _PROCESSOR_CACHE:
        _PROCESSOR_CACHE[family] = _build_processor(family)
    return _PROCESSOR_CACHE[family]


def _image(w: int, h: int, seed: int):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8), "RGB")


def reference(case: dict):
    """(text, grids) from the real processor, or raises what the processor raises."""
    family = case["family"]
    p = processor_for(family)
    kwargs = case.get("kwargs", {})
    prompt = p.apply_chat_template(reference_messages(case), tokenize=False, **kwargs)

    images = [_image(w, h, i) for i, (w, h) in enumerate(case.get("images", []))]
    videos = case.get("videos", [])
    # The processor's own count check (raises on a mismatch); dummy frames stand for the videos.
    dummy_videos = [np.zeros((v["grid"][0] * TEMPORAL, 4, 4, 3), dtype=np.uint8) for v in videos]
    p.validate_inputs(images=images or None, text=[prompt], videos=dummy_videos or None)

    image_reps, grids = [], {"images": [], "videos": []}
    if images:
        processed, image_reps = p._process_images(images)
        for thw in processed["image_grid_thw"]:
            grids["images"].append({"tokens": int(np.prod(thw)) // (MERGE * MERGE)})
    video_reps = []
    if videos:
        thw = np.array([v["grid"] for v in videos], dtype=np.int64)
        metadata = [VideoMetadata(total_num_frames=max(v["indices"]) + 1, fps=v["fps"], frames_indices=list(v["indices"]))
                    for v in videos]
        inputs = {"video_grid_thw": thw, "video_metadata": metadata}
        video_reps = [p.replace_video_token(inputs, video_idx=i) for i in range(len(videos))]
        for v in videos:
            t, h, w = v["grid"]
            entry = {"tokens_per_group": h * w // (MERGE * MERGE)}
            if family in ("qwen3-vl", "qwen3.5"):
                entry["timestamps"] = p._calculate_timestamps(list(v["indices"]), v["fps"], TEMPORAL)
                assert len(entry["timestamps"]) == t
            else:
                entry["groups"] = t
            grids["videos"].append(entry)
    text, _ = p.get_text_with_replacements([prompt], image_reps, video_reps)
    return text[0], grids, images


def run_mmprep(case: dict, grids: dict, tmp_path: Path):
    rec = tmp_path / "record.json"
    rec.write_text(json.dumps(case["record"], ensure_ascii=False), encoding="utf-8")
    gp = tmp_path / "grids.json"
    gp.write_text(json.dumps(grids), encoding="utf-8")
    cmd = [str(MMPREP_BIN), "render-text", "--family", case["family"], "--messages", str(rec), "--grids", str(gp)]
    kwargs = case.get("kwargs", {})
    if kwargs.get("add_generation_prompt"):
        cmd.append("--add-generation-prompt")
    if kwargs.get("add_vision_id"):
        cmd.append("--add-vision-id")
    if "enable_thinking" in kwargs:
        cmd += ["--enable-thinking", "true" if kwargs["enable_thinking"] else "false"]
    return subprocess.run(cmd, capture_output=True, timeout=60)


def _require_environment():
    if IMPORT_ERROR is not None:
        pytest.fail(f"reference packages missing: {IMPORT_ERROR} (jinja2 is needed by apply_chat_template)")
    if not MMPREP_BIN.exists():
        pytest.fail(f"mmprep binary not found at {MMPREP_BIN} (set MMPREP_BIN)")


def _grids_for_error_case(case: dict) -> dict:
    grids = {"images": [{"tokens": 4} for _ in case.get("images", [])], "videos": []}
    for v in case.get("videos", []):
        t, h, w = v["grid"]
        grids["videos"].append({"tokens_per_group": h * w // 4, "timestamps": [0.0] * t})
    return grids


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"], marks=[pytest.mark.deviation] if c.get("deviation") else [])
                                  for c in CASES])
def test_text_parity(case, tmp_path):
    _require_environment()
    if case.get("error"):
        with pytest.raises(Exception):
            reference(case)
        proc = run_mmprep(case, _grids_for_error_case(case), tmp_path)
        assert proc.returncode != 0, f"mmprep accepted what the reference refuses:\n{proc.stdout.decode()!r}"
        assert b"mmprep: error:" in proc.stderr
        return
    if case.get("deviation"):
        # Documented: mmprep refuses input the reference template silently drops part of.
        text, grids, _ = reference(case)
        proc = run_mmprep(case, grids, tmp_path)
        assert proc.returncode != 0, f"expected mmprep to refuse ({case['deviation']})"
        return

    text, grids, images = reference(case)
    proc = run_mmprep(case, grids, tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    got = proc.stdout.decode("utf-8")
    if got != text:
        i = next((k for k in range(min(len(got), len(text))) if got[k] != text[k]), min(len(got), len(text)))
        pytest.fail(f"text differs at char {i}:\n  mmprep:    {got[max(0, i - 60):i + 60]!r}\n"
                    f"  reference: {text[max(0, i - 60):i + 60]!r}")

    if images and not case.get("videos"):
        # The full __call__ path as well: same input_ids as tokenizing mmprep's text.
        p = processor_for(case["family"])
        prompt = p.apply_chat_template(reference_messages(case), tokenize=False, **case.get("kwargs", {}))
        full = p(text=prompt, images=images)
        assert list(full["input_ids"][0]) == list(p.tokenizer(got)["input_ids"])


def test_fixture_templates_present():
    names = sorted(f.name for f in TEMPLATES.glob("*.jinja"))
    assert names == ["qwen2-vl.jinja", "qwen2.5-vl.jinja", "qwen3-vl.jinja", "qwen3.5.jinja"]
