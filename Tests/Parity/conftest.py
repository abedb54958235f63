"""Session setup for the image parity tests: test images, cached references, summary line.

Environment:
  MMPREP_BIN               mmprep binary (default <repo>/.build/debug/mmprep)
  MMPREP_PARITY_CACHE      cache directory (default ~/.cache/mmprep-parity)
  MMPREP_PILLOW13_PYTHON   interpreter with transformers + Pillow 13 (default <repo>/.venv-test/bin/python)
  MMPREP_PILLOW12_PYTHON   interpreter with transformers + Pillow 12 (default <repo>/.venv-test-pillow12/bin/python)
  MMPREP_PARITY_LARGE      "subset" (default: 4000x3000 and 5000x3600 only for qwen2-vl and qwen3-vl),
                           "all" or "none"
  MMPREP_PARITY_ALPHA_REF  "pil" (default: transparency composited onto white, as the processor
                           does for a PIL image) or "path" (transformers' load_image path, which
                           drops alpha channels); see reference_images.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import gen_images  # noqa: E402

MMPREP_BIN = Path(os.environ.get("MMPREP_BIN", REPO / ".build" / "debug" / "mmprep"))
CACHE = Path(os.environ.get("MMPREP_PARITY_CACHE", Path.home() / ".cache" / "mmprep-parity"))
PYTHONS = {
    "pillow13": Path(os.environ.get("MMPREP_PILLOW13_PYTHON", REPO / ".venv-test" / "bin" / "python")),
    "pillow12": Path(os.environ.get("MMPREP_PILLOW12_PYTHON", REPO / ".venv-test-pillow12" / "bin" / "python")),
}


@dataclass
class Stats:
    compared: int = 0
    identical: int = 0
    refusals: int = 0
    max_abs_diff: float = 0.0
    failures: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


STATS = Stats()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "deviation: a documented, intentional deviation from the reference; the test asserts "
        "mmprep's documented behaviour instead (see the test's docstring)",
    )
    config.addinivalue_line("markers", "large: very large image (slow reference, big outputs)")


@dataclass
class ParityData:
    image_dir: Path
    manifest: dict
    roots: dict           # mode -> reference root (Path) or None
    errors: dict          # mode -> why references are missing
    logs: dict


def _build_references(image_dir: Path):
    """Run reference_images.py under both Pillow interpreters concurrently."""
    procs, logs, roots, errors = {}, {}, {}, {}
    for mode, py in PYTHONS.items():
        if not py.exists():
            errors[mode] = f"{py} not found (run scripts/setup-test-venv.sh)"
            roots[mode] = None
            continue
        cmd = [str(py), str(HERE / "reference_images.py"), str(image_dir), "--preset", "all",
               "--pillow-mode", mode[len("pillow"):], "--cache", str(CACHE)]
        procs[mode] = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for mode, p in procs.items():
        out, _ = p.communicate()
        logs[mode] = out
        m = re.search(r"^REFERENCE_ROOT=(.*)$", out, re.M)
        if p.returncode != 0 or not m:
            roots[mode] = None
            errors[mode] = f"reference_images.py failed (exit {p.returncode}):\n{out[-4000:]}"
        else:
            roots[mode] = Path(m.group(1))
    return roots, errors, logs


def _prune(keep: set):
    """Delete stale image/reference directories of this cache (other generator/script hashes)."""
    if not CACHE.is_dir():
        return
    keep_names = {p.name for p in keep if p is not None}
    prefixes = {re.sub(r"-[0-9a-f]{12}$", "-", n) for n in keep_names if n.startswith("refs-")}
    for d in CACHE.iterdir():
        if not d.is_dir() or d.name in keep_names:
            continue
        stale_images = d.name.startswith("images-")
        stale_refs = any(d.name.startswith(pfx) and re.fullmatch(r"[0-9a-f]{12}", d.name[len(pfx):])
                         for pfx in prefixes)
        if stale_images or stale_refs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def parity_data() -> ParityData:
    image_dir = CACHE / f"images-{gen_images.generator_key()}"
    manifest = gen_images.generate(image_dir)
    roots, errors, logs = _build_references(image_dir)
    _prune({image_dir, *roots.values()})
    return ParityData(image_dir, manifest, roots, errors, logs)


@pytest.fixture(scope="session")
def parity_stats() -> Stats:
    return STATS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    s = STATS
    if not (s.compared or s.refusals or s.failures):
        if MMPREP_BIN.exists():
            return
        terminalreporter.write_line(f"parity summary: 0 cases compared (no mmprep binary at {MMPREP_BIN})")
        return
    terminalreporter.section("image parity")
    for line in s.failures[:40]:
        terminalreporter.write_line("  " + line)
    if len(s.failures) > 40:
        terminalreporter.write_line(f"  ... {len(s.failures) - 40} more")
    terminalreporter.write_line(
        f"parity summary: {s.compared} cases compared, {s.identical} byte-identical, "
        f"{s.refusals} refusals checked, max abs diff overall {s.max_abs_diff:.9g}")
