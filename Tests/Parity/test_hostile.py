"""`mmprep convert` over a generated hostile corpus mixed with good files (issue 7, item 7).

Every good file must convert; every hostile file must end in failures.jsonl with the expected
stage and reason; bit-flipped files may go either way but must be accounted for; the run must
not crash, must finish within its budget and stay under an RSS limit. A second run with a tiny
`limits.timeout` shows a slow input failing with reason `timeout`. The test writes the table of
cases and outcomes to docs/robustness.md.

The binary is $MMPREP_BIN (default .build/debug/mmprep).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from hostile_corpus import DECODE_FAIL, Case, build  # noqa: E402

MMPREP_BIN = os.environ.get("MMPREP_BIN", str(REPO / ".build" / "debug" / "mmprep"))
RUN_TIMEOUT = 240          # the whole corpus run
RSS_LIMIT_MB = 1536        # peak RSS of the convert process (2 jobs)
JOBS = 2


def sanitize(stem: str) -> str:
    key = re.sub(r"[^a-zA-Z0-9_\-/]", "_", stem).strip("/")
    return key or "_"


def run_convert(inputs: list[Path], out: Path, *sets: str, timeout: int = RUN_TIMEOUT):
    cmd = ["/usr/bin/time", "-v", MMPREP_BIN, "convert", *map(str, inputs), "--pipeline", "qwen2-vl",
           "--output", str(out), "--jobs", str(JOBS), "--max-failures", "100000", "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    status = re.search(r"Command terminated by signal (\d+)", p.stderr)
    return p, elapsed, int(rss.group(1)) / 1024 if rss else None, status


def outcomes(out: Path) -> tuple[set[str], dict[str, dict]]:
    ok = set()
    for f in out.glob("shard-*.jsonl"):
        for line in f.read_text().splitlines():
            if line.strip():
                ok.add(json.loads(line)["key"])
    failures = {}
    fpath = out / "failures.jsonl"
    if fpath.exists():
        for line in fpath.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                failures[r["key"]] = r
    return ok, failures


def expected_text(expect) -> str:
    if expect == "ok":
        return "converts"
    if expect == "any":
        return "converts or fails cleanly"
    if expect == "truncated":
        return "fails (decode) or converts the frames present"
    stage, reasons = expect
    return f"fails: {stage} / {' or '.join(sorted(reasons))}"


def truncated_expectation(case: Case):
    """Truncated PNG/JPEG files and moov-at-end MP4s cannot decode (Pillow raises "image file is
    truncated" too); a truncated GIF may still hold its whole first frame, and a truncated
    MKV/WebM or moov-first MP4 every frame the plan needs (the reference readers decode those
    too): those must fail cleanly or convert."""
    if re.match(r"trunc-(png|jpg|mp4)-", case.name):
        return ("decode", DECODE_FAIL)
    return "truncated"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if not Path(MMPREP_BIN).exists():
        pytest.fail(f"{MMPREP_BIN} not found (build mmprep or set MMPREP_BIN)")
    root = tmp_path_factory.mktemp("hostile")
    cases = build(root)
    for c in cases:
        if c.expect == "truncated":
            c.expect = truncated_expectation(c)
    out = root / "out"
    p, elapsed, rss, signal = run_convert([root / "inbox"], out, "limits.timeout=30")
    return cases, out, p, elapsed, rss, signal


@pytest.fixture(scope="module")
def timeout_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("slow")
    (root / "in").mkdir()
    slow = root / "in" / "slow.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=30:duration=20", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", str(slow)], check=True)
    out = root / "out"
    p, elapsed, rss, signal = run_convert([root / "in"], out, "limits.timeout=0.3", "video.threads=1",
                                          timeout=120)
    return out, p, elapsed


def test_the_run_survives_within_budget_and_memory(corpus):
    cases, out, p, elapsed, rss, signal = corpus
    assert signal is None, f"mmprep died by signal {signal.group(1)}\n{p.stderr[-3000:]}"
    assert p.returncode == 0, p.stderr[-3000:]
    assert elapsed < RUN_TIMEOUT
    assert rss is not None and rss < RSS_LIMIT_MB, f"peak RSS {rss} MB"
    assert (out / "index.json").exists()


def test_every_case_has_its_outcome(corpus, timeout_run):
    cases, out, p, elapsed, rss, signal = corpus
    ok, failures = outcomes(out)
    rows, wrong = [], []
    for c in cases:
        key = c.key if c.group == "manifest" else sanitize(c.key)
        if key in ok:
            got, detail = "converts", ""
        elif key in failures:
            f = failures[key]
            got, detail = f"fails: {f['stage']} / {f['reason']}", f["error"]
        else:
            got, detail = "MISSING", ""
        e = c.expect
        good = (e == "ok" and got == "converts") or \
               (e in ("any", "truncated") and got != "MISSING" and
                (got == "converts" or failures[key]["stage"] in ("decode", "sample", "resize"))) or \
               (isinstance(e, tuple) and key in failures and failures[key]["stage"] == e[0]
                and failures[key]["reason"] in e[1])
        if not good:
            wrong.append(f"{c.name} ({key}): expected {expected_text(e)}, got {got} {detail}")
        rows.append((c, got, detail))

    # The slow input of the second run.
    tout, tp, telapsed = timeout_run
    _, tfail = outcomes(tout)
    tcase = Case("slow.mp4", "20 s 1280x720 video with limits.timeout=0.3", "time", ("decode", {"timeout"}))
    tf = tfail.get("slow")
    tgot = f"fails: {tf['stage']} / {tf['reason']}" if tf else "converts"
    rows.append((tcase, tgot, tf["error"] if tf else ""))
    if not (tf and tf["stage"] == "decode" and tf["reason"] == "timeout"):
        wrong.append(f"slow.mp4: expected a timeout, got {tgot} {tf}")

    write_robustness(rows, elapsed, rss, telapsed)
    assert not wrong, "\n".join(wrong)


def test_the_timeout_run_moves_on_promptly(timeout_run):
    out, p, elapsed = timeout_run
    assert p.returncode == 0, p.stderr[-2000:]
    assert elapsed < 60


def write_robustness(rows, elapsed, rss, telapsed):
    counts = {}
    for c, got, _ in rows:
        counts.setdefault(c.group, 0)
        counts[c.group] += 1
    lines = [
        "# Robustness: hostile inputs",
        "",
        "Generated by `Tests/Parity/test_hostile.py` (the corpus by `Tests/Parity/hostile_corpus.py`); do not",
        "edit by hand. `mmprep convert --pipeline qwen2-vl --jobs 2 --set limits.timeout=30` runs once over",
        "every file below in one folder (good files mixed with hostile ones); the outcome is what",
        "`failures.jsonl` (stage / reason) or the shards say. The slow input runs separately with",
        "`limits.timeout=0.3`.",
        "",
        f"Corpus run: {len(rows) - 1} cases, {elapsed:.1f} s wall, peak RSS {rss:.0f} MB "
        f"(limit {RSS_LIMIT_MB} MB), no crash. Timeout run: {telapsed:.1f} s.",
        "",
        "| group | file | what | expected | outcome |",
        "|---|---|---|---|---|",
    ]
    for c, got, detail in rows:
        name = c.name if c.group != "manifest" else f"{c.name} ({c.key})"
        lines.append(f"| {c.group} | `{name}` | {c.what} | {expected_text(c.expect)} | {got} |")
    lines += ["", "Failure messages (first line of each):", ""]
    for c, got, detail in rows:
        if detail:
            msg = detail.replace("|", "\\|").splitlines()[0]
            msg = re.sub(r"/tmp/[^ :]*/(inbox|in|src)/", r"\1/", msg)
            if len(msg) > 220:
                msg = msg[:217] + "..."
            lines.append(f"- `{c.key}`: {msg}")
    (REPO / "docs" / "robustness.md").write_text("\n".join(lines) + "\n")
