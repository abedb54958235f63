"""`mmprep watch` as a real daemon process over real files.

Files are dropped by copy, by rename and by slow chunked writes; the daemon is killed with
SIGKILL at random moments while files keep arriving and restarted; at the end every sample is in
the dataset exactly once (checked by content hashes). SIGTERM leaves no open shard and the notify
messages arrive in order on a test socket; corrupt files go to failed/ with reports; polling gives
the same result as inotify; a SIGHUP with a broken pipeline keeps the daemon running.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import load_file

REPO = Path(__file__).resolve().parent.parent.parent
BIN = os.environ.get("MMPREP_BIN", str(REPO / ".build" / "debug" / "mmprep"))
FAST = ["--set", "watch.settle=0.3", "--set", "watch.sidecar_wait=0.5", "--set", "watch.poll_interval=0.2",
        "--set", "output.max_latency=1", "--set", "output.max_samples=4", "--set", "watch.disk_reserve=0"]


def make_images(folder: Path, n: int, seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        w, h = int(rng.integers(40, 160)), int(rng.integers(40, 160))
        p = folder / f"img{seed}_{i:03d}.png"
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(p)
        out.append(p)
    return out


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


class Daemon:
    def __init__(self, root: Path, extra=(), env=None):
        self.root = root
        self.args = [BIN, "watch", "--pipeline", "qwen2.5-vl", "--inbox", str(root / "inbox"),
                     "--output", str(root / "out"), *FAST, *extra]
        self.env = env
        self.log = open(root / "daemon.log", "ab")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=self.log, env=self.env)
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def term(self, timeout=30):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


def wait_for(cond, timeout=60, step=0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return False


def dataset_sources(out: Path) -> list[str]:
    """sha256 of the media source of every sample in the committed shards."""
    shas = []
    if not (out / "index.json").exists():
        return shas
    index = json.loads((out / "index.json").read_text())
    for shard in index["shards"]:
        for line in (out / shard["records"]).read_text().splitlines():
            shas.append(json.loads(line)["sources"][0]["sha256"])
        load_file(str(out / shard["name"]))  # the stock reader opens every shard
    return shas


@pytest.fixture
def root(tmp_path):
    (tmp_path / "inbox").mkdir()
    return tmp_path


def test_drop_by_copy_rename_and_slow_write(root):
    src = make_images(root / "src", 6, seed=1)
    d = Daemon(root).start()
    try:
        shutil.copy(src[0], root / "inbox" / src[0].name)                      # copy
        (root / "inbox" / (src[0].stem + ".txt")).write_text("a caption")
        tmp = root / "inbox" / (".incoming-" + src[1].name)
        shutil.copy(src[1], tmp)
        os.rename(tmp, root / "inbox" / src[1].name)                           # rename into place
        data = src[2].read_bytes()                                             # slow chunked write
        with open(root / "inbox" / src[2].name, "wb") as f:
            for i in range(0, len(data), max(1, len(data) // 8)):
                f.write(data[i:i + max(1, len(data) // 8)])
                f.flush()
                time.sleep(0.15)                                               # > settle between chunks? no: total > settle
        part = root / "inbox" / (src[3].name + ".part")                        # temporary suffix, renamed later
        shutil.copy(src[3], part)
        time.sleep(1.0)
        os.rename(part, root / "inbox" / src[3].name)
        want = sorted(sha(p) for p in src[:4])
        assert wait_for(lambda: sorted(dataset_sources(root / "out")) == want, timeout=60), \
            (root / "daemon.log").read_text()
        rec = [json.loads(l) for s in json.loads((root / "out" / "index.json").read_text())["shards"]
               for l in (root / "out" / s["records"]).read_text().splitlines()]
        captioned = [r for r in rec if r["sources"][0]["sha256"] == sha(src[0])][0]
        assert "a caption" in captioned["text"]
        assert list((root / "inbox").iterdir()) == []
        # The inputs go once their shard is committed and indexed (just after the index).
        assert wait_for(lambda: list((root / "processing").rglob("*.png")) == [], timeout=10)
    finally:
        assert d.term() == 0


def test_kill9_cycles_while_files_arrive_keep_every_sample_exactly_once(root):
    rng = random.Random(11)
    src = make_images(root / "src", 60, seed=2)
    # A kill that lands while an input is decoding counts as a crash against it; here kills are
    # the test's doing, not the input's, so the crash-loop limit is lifted.
    d = Daemon(root, extra=["--set", "watch.max_crashes=1000"]).start()
    dropped = 0
    cycles = 0
    while dropped < len(src) or cycles < 20:
        for _ in range(rng.randint(1, 4)):
            if dropped < len(src):
                shutil.copy(src[dropped], root / "inbox" / src[dropped].name)
                dropped += 1
        time.sleep(rng.uniform(0.05, 1.2))
        if cycles < 20:
            d.kill9()
            cycles += 1
            d.start()
    want = sorted(sha(p) for p in src)
    ok = wait_for(lambda: sorted(dataset_sources(root / "out")) == want, timeout=120)
    got = dataset_sources(root / "out")
    assert len(got) == len(set(got)), "a sample was committed twice"
    assert ok, f"{len(set(got))} of {len(want)} samples; log:\n" + (root / "daemon.log").read_text()[-3000:]
    assert d.term() == 0
    assert cycles == 20


def test_sigterm_commits_the_open_shard_and_notify_messages_arrive_in_order(root):
    sock_path = root / "notify.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(sock_path))
    s.setblocking(False)
    env = dict(os.environ, NOTIFY_SOCKET=str(sock_path), WATCHDOG_USEC="400000")
    src = make_images(root / "src", 2, seed=3)
    d = Daemon(root, extra=["--set", "output.max_latency=3600"], env=env).start()
    messages = []

    def drain():
        """Everything queued on the socket right now (never waits)."""
        try:
            while True:
                messages.append(s.recv(4096).decode())
        except BlockingIOError:
            pass

    assert wait_for(lambda: (drain(), any(m == "READY=1" for m in messages))[1], timeout=30)
    for p in src:
        shutil.copy(p, root / "inbox" / p.name)
    # Processed into the open shard, not yet committed (latency is an hour).
    assert wait_for(lambda: (drain(), any("working 2" in m for m in messages))[1], timeout=60)
    assert not (root / "out" / "index.json").exists()
    time.sleep(1)
    drain()
    assert sum(m == "WATCHDOG=1" for m in messages) >= 2
    assert d.term() == 0
    drain()
    assert sorted(dataset_sources(root / "out")) == sorted(sha(p) for p in src)
    order = [m.split("=")[0] for m in messages if m in ("READY=1", "STOPPING=1")]
    assert order == ["READY", "STOPPING"]
    assert messages.index("READY=1") < messages.index("STOPPING=1")
    assert not any(".tmp-" in p.name for p in (root / "out").iterdir())


def test_corrupt_files_go_to_failed_with_reports(root):
    d = Daemon(root).start()
    try:
        (root / "inbox" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg at all")
        (root / "inbox" / "zero.mp4").write_bytes(b"")
        (root / "inbox" / "random.bin").write_bytes(os.urandom(100))
        assert wait_for(lambda: len(list((root / "failed").glob("*.error.json"))) == 3, timeout=60), \
            (root / "daemon.log").read_text()
        for name, stage in [("broken.jpg", "decode"), ("zero.mp4", "decode"), ("random.bin", "input")]:
            report = json.loads((root / "failed" / (name + ".error.json")).read_text())
            assert report["stage"] == stage and name in report["error"]
            assert {"attempts", "mmprep_version", "time"} <= report.keys()
            assert (root / "failed" / name).exists()
        st = subprocess.run([BIN, "status", "--state", str(root / "state")], capture_output=True, text=True)
        assert "failed" in st.stdout and "broken.jpg" in st.stdout
    finally:
        assert d.term() == 0


def test_polling_gives_the_same_result_as_inotify(tmp_path):
    src = make_images(tmp_path / "src", 5, seed=4)
    results = {}
    for mode in ["inotify", "poll"]:
        root = tmp_path / mode
        (root / "inbox").mkdir(parents=True)
        d = Daemon(root, extra=["--set", f"watch.mode={mode}"]).start()
        for p in src:
            shutil.copy(p, root / "inbox" / p.name)
        assert wait_for(lambda: len(dataset_sources(root / "out")) == 5, timeout=60)
        assert d.term() == 0
        results[mode] = sorted(dataset_sources(root / "out"))
    assert results["inotify"] == results["poll"]


def test_sighup_with_a_broken_pipeline_keeps_the_daemon_running(root):
    pipeline = root / "p.yaml"
    pipeline.write_text("family: qwen2.5-vl\n")
    d = Daemon(root)
    d.args[d.args.index("qwen2.5-vl")] = str(pipeline)
    d.start()
    src = make_images(root / "src", 2, seed=5)
    shutil.copy(src[0], root / "inbox" / src[0].name)
    assert wait_for(lambda: len(dataset_sources(root / "out")) == 1, timeout=60)
    pipeline.write_text("family: qwen2.5-vl\nimage:\n  min_pixel: 5\n")
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert d.proc.poll() is None
    assert "reload rejected" in (root / "daemon.log").read_text()
    shutil.copy(src[1], root / "inbox" / src[1].name)
    assert wait_for(lambda: len(dataset_sources(root / "out")) == 2, timeout=60)
    assert d.term() == 0


def test_a_second_instance_on_the_same_state_is_refused(root):
    d = Daemon(root).start()
    try:
        assert wait_for(lambda: (root / "state" / "lock").exists(), timeout=30)
        time.sleep(0.5)
        p = subprocess.run(Daemon(root).args, capture_output=True, text=True, timeout=30)
        assert p.returncode != 0 and "another mmprep watch" in p.stderr
    finally:
        assert d.term() == 0


def test_disk_reserve_pauses_intake_and_resumes_by_itself(root):
    """Output on a small tmpfs made by the test: below the reserve, intake pauses (the status
    says why) and files stay in the inbox; when space returns, it resumes."""
    small = root / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(small)], check=True)
    try:
        filler = small / "filler"
        filler.write_bytes(b"\0" * (14 << 20))                     # 10 MiB left, reserve 12 MiB
        d = Daemon(root, extra=["--set", f"watch.disk_reserve={12 << 20}"])
        d.args[d.args.index("--output") + 1] = str(small / "out")
        d.start()
        src = make_images(root / "src", 2, seed=6)
        shutil.copy(src[0], root / "inbox" / src[0].name)
        status = root / "state" / "status.json"
        assert wait_for(lambda: status.exists() and json.loads(status.read_text()).get("paused"), timeout=30)
        assert "disk space" in json.loads(status.read_text())["paused"]
        st = subprocess.run([BIN, "status", "--state", str(root / "state")], capture_output=True, text=True)
        assert "PAUSED" in st.stdout
        time.sleep(1.5)
        assert (root / "inbox" / src[0].name).exists()               # not claimed while paused
        filler.unlink()
        assert wait_for(lambda: len(dataset_sources(small / "out")) == 1, timeout=60), \
            (root / "daemon.log").read_text()
        assert json.loads(status.read_text()).get("paused") is None
        assert "intake resumed" in (root / "daemon.log").read_text()
        assert d.term() == 0
    finally:
        subprocess.run(["umount", "-l", str(small)])


def test_metrics_in_the_textfile_and_on_a_local_port(root):
    import urllib.request
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    d = Daemon(root, extra=["--metrics-port", str(port)]).start()
    try:
        src = make_images(root / "src", 2, seed=7)
        for p in src:
            shutil.copy(p, root / "inbox" / p.name)
        (root / "inbox" / "bad.jpg").write_bytes(b"\xff\xd8\xff garbage")
        assert wait_for(lambda: len(dataset_sources(root / "out")) == 2, timeout=60)
        assert wait_for(lambda: (root / "failed" / "bad.jpg.error.json").exists(), timeout=30)
        time.sleep(0.5)
        text = (root / "state" / "metrics.prom").read_text()
        served = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        shards = len(json.loads((root / "out" / "index.json").read_text())["shards"])
        for body in (text, served):
            assert "mmprep_samples_total 2" in body and f"mmprep_shards_total {shards}" in body
            assert 'mmprep_failures_total{stage="decode"} 1' in body
            assert "mmprep_processing_seconds_count 2" in body and "# TYPE mmprep_processing_seconds histogram" in body
        with pytest.raises(Exception):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/other", timeout=5)
    finally:
        assert d.term() == 0


def records(out: Path) -> list[dict]:
    if not (out / "index.json").exists():
        return []
    return [json.loads(l) for s in json.loads((out / "index.json").read_text())["shards"]
            for l in (out / s["records"]).read_text().splitlines()]


def chat_record(rid: str, image: str, answer: str) -> str:
    return json.dumps({"id": rid, "messages": [
        {"role": "user", "content": [{"type": "image", "image": image}, {"type": "text", "text": "What is it?"}]},
        {"role": "assistant", "content": answer}]})


def test_manifest_in_the_inbox_holds_its_media_and_claims_them_together(root):
    """Pairing rule: a manifest dropped first waits for the media it names (they are never
    claimed alone, even past watch.sidecar_wait); media dropped first wait sidecar_wait for a
    manifest; a manifest whose media do not all arrive goes ahead after watch.pair_timeout and
    the records naming missing files fail with a report per line."""
    src = make_images(root / "src", 5, seed=8)
    d = Daemon(root, extra=["--set", "watch.pair_timeout=4", "--set", "watch.sidecar_wait=2"]).start()
    try:
        inbox = root / "inbox"
        # 1. Manifest first (in a subfolder), media 3 s later: longer than sidecar_wait.
        (inbox / "batch1").mkdir()
        (inbox / "batch1" / "m1.jsonl").write_text(
            chat_record("r1", src[0].name, "first") + "\n" + chat_record("r2", "../" + src[1].name, "second") + "\n")
        time.sleep(3)
        assert not (root / "processing" / "batch1" / "m1.jsonl").exists()
        shutil.copy(src[0], inbox / "batch1" / src[0].name)
        shutil.copy(src[1], inbox / src[1].name)
        # 2. Media first, manifest within sidecar_wait.
        shutil.copy(src[2], inbox / src[2].name)
        (inbox / "m2.jsonl").write_text(chat_record("r3", src[2].name, "third") + "\n")
        # 3. A manifest naming a file that never comes, beside a good record.
        shutil.copy(src[3], inbox / src[3].name)
        (inbox / "m3.jsonl").write_text(
            chat_record("r4", src[3].name, "fourth") + "\n" + chat_record("r5", "never.png", "missing") + "\n")
        want = sorted(sha(p) for p in src[:4])
        assert wait_for(lambda: sorted(dataset_sources(root / "out")) == want, timeout=60), \
            (root / "daemon.log").read_text()
        by_sha = {r["sources"][0]["sha256"]: r for r in records(root / "out")}
        for p, answer in zip(src[:4], ["first", "second", "third", "fourth"]):
            assert answer in by_sha[sha(p)]["text"], by_sha[sha(p)]
        report = root / "failed" / "m3.jsonl.line-2.error.json"
        assert wait_for(report.exists, timeout=30)
        r = json.loads(report.read_text())
        assert r["stage"] == "input" and "never.png" in r["error"]
        assert sorted(p.name for p in inbox.rglob("*") if p.is_file()) == []
        assert list((root / "processing").rglob("*.*")) == []
    finally:
        assert d.term() == 0


def test_media_without_text_goes_without_after_sidecar_wait_and_a_late_sidecar_fails(root):
    src = make_images(root / "src", 1, seed=9)
    d = Daemon(root, extra=["--set", "watch.sidecar_wait=1", "--set", "watch.pair_timeout=2"]).start()
    try:
        shutil.copy(src[0], root / "inbox" / src[0].name)
        assert wait_for(lambda: len(dataset_sources(root / "out")) == 1, timeout=60)
        assert records(root / "out")[0]["sources"][0]["sha256"] == sha(src[0])
        (root / "inbox" / (src[0].stem + ".txt")).write_text("too late")
        report = root / "failed" / (src[0].stem + ".txt.error.json")
        assert wait_for(report.exists, timeout=30), (root / "daemon.log").read_text()
        assert "did not arrive" in json.loads(report.read_text())["error"]
        assert len(dataset_sources(root / "out")) == 1
    finally:
        assert d.term() == 0


def test_crash_loop_an_input_that_kills_the_decoder_goes_to_failed_after_two_deaths(root):
    """A real crash: the debug build aborts when it decodes a file whose name contains the
    switch's text. The service dies, is restarted (as systemd would), dies again; the third start
    moves the input to failed/ with `crashed decoder` and goes on with the rest."""
    debug_bin = REPO / ".build" / "debug" / "mmprep"
    assert debug_bin.exists(), "the crash switch is compiled into debug builds only: swift build first"
    src = make_images(root / "src", 2, seed=10)
    shutil.copy(src[0], root / "inbox" / "crashme.png")
    shutil.copy(src[1], root / "inbox" / "fine.png")
    env = dict(os.environ, MMPREP_DEBUG_ABORT_DECODING="crashme")
    deaths = 0
    for start in range(4):
        d = Daemon(root, env=env)
        d.args[0] = str(debug_bin)
        d.start()
        try:
            rc = d.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            break                                                   # survived: the input is out of the way
        assert rc == -signal.SIGABRT, (rc, (root / "daemon.log").read_text()[-2000:])
        deaths += 1
    assert deaths == 2
    try:
        report = root / "failed" / "crashme.png.error.json"
        assert wait_for(report.exists, timeout=30)
        r = json.loads(report.read_text())
        assert r["stage"] == "decode" and "crashed decoder" in r["error"] and "2 times" in r["error"]
        assert (root / "failed" / "crashme.png").exists()
        assert wait_for(lambda: dataset_sources(root / "out") == [sha(src[1])], timeout=60)
    finally:
        assert d.term() == 0


def test_disk_full_while_writing_a_shard_keeps_inputs_queued_and_resumes(root):
    """ENOSPC in the middle of a shard: the partial shard is discarded, the last good shards
    and the index stay, no input goes to failed/, the status says why; when space returns the
    samples are committed (each once)."""
    small = root / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(small)], check=True)
    try:
        d = Daemon(root, extra=["--set", "output.max_samples=2"])
        d.args[d.args.index("--output") + 1] = str(small / "out")
        d.start()
        src = make_images(root / "src", 6, seed=12)
        for p in src[:2]:
            shutil.copy(p, root / "inbox" / p.name)
        assert wait_for(lambda: len(dataset_sources(small / "out")) == 2, timeout=60)
        index_before = (small / "out" / "index.json").read_bytes()
        free = shutil.disk_usage(small).free
        filler = small / "filler"
        filler.write_bytes(b"\0" * max(0, free - (64 << 10)))          # 64 KiB left
        for p in src[2:]:
            shutil.copy(p, root / "inbox" / p.name)
        status = root / "state" / "status.json"
        assert wait_for(lambda: "output write failed" in (json.loads(status.read_text()).get("paused") or ""),
                        timeout=60), (root / "daemon.log").read_text()
        assert "No space left on device" in json.loads(status.read_text())["paused"]
        time.sleep(2)
        assert list((root / "failed").iterdir()) == []
        assert (small / "out" / "index.json").read_bytes() == index_before
        assert len(dataset_sources(small / "out")) == 2
        filler.unlink()
        want = sorted(sha(p) for p in src)
        assert wait_for(lambda: sorted(dataset_sources(small / "out")) == want, timeout=90), \
            (root / "daemon.log").read_text()[-3000:]
        assert json.loads(status.read_text()).get("paused") is None
        assert d.term() == 0
    finally:
        subprocess.run(["umount", "-l", str(small)])


def test_an_unreadable_file_is_reported_not_skipped():
    """The daemon runs as an unprivileged user (nobody); a file it may not read goes to failed/
    with the permission error, an unlistable folder is logged, the rest converts."""
    import tempfile
    root = Path(tempfile.mkdtemp(prefix="mmprep-perm-"))
    (root / "inbox").mkdir()
    os.chmod(root, 0o777)
    (root / "inbox").chmod(0o777)
    src = make_images(root / "src", 2, seed=13)
    shutil.copy(src[0], root / "inbox" / "secret.png")
    os.chmod(root / "inbox" / "secret.png", 0o600)
    shutil.copy(src[1], root / "inbox" / "open.png")
    os.chmod(root / "inbox" / "open.png", 0o644)
    (root / "inbox" / "locked").mkdir(mode=0o700)
    shutil.copy(src[1], root / "inbox" / "locked" / "inside.png")
    d = Daemon(root)
    d.args = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *d.args]
    d.start()
    try:
        report = root / "failed" / "secret.png.error.json"
        assert wait_for(report.exists, timeout=60), (root / "daemon.log").read_text()
        assert "Permission denied" in json.loads(report.read_text())["error"]
        assert wait_for(lambda: dataset_sources(root / "out") == [sha(src[1])], timeout=60)
        assert wait_for(lambda: "cannot list folder" in (root / "daemon.log").read_text(), timeout=30)
    finally:
        assert d.term() == 0
        shutil.rmtree(root, ignore_errors=True)


def test_hostile_corpus_dropped_into_the_inbox(tmp_path):
    """The hostile corpus (hostile_corpus.py, the same files `convert` runs over in
    test_hostile.py) dropped into a running daemon's inbox, then its manifest with the media it
    names: every hostile file ends in failed/ with its stage and reason, symlinks, fifos and
    non-UTF-8 names are refused in place (logged), every good file is in the dataset once, and
    the daemon stays up within its memory bound."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from hostile_corpus import build

    stage = tmp_path / "stage"
    cases = build(stage, sparse_gb=1.0, big_sidecar_mb=100)
    root = tmp_path / "w"
    root.mkdir()
    inbox = root / "inbox"
    # The manifest and the media only it names come in a second drop (a manifest holds the
    # files it names: dropped together, they would not also be samples of their own).
    manifest = stage / "inbox" / "hostile.jsonl"
    held = tmp_path / "held"
    held.mkdir()
    os.rename(manifest, held / "hostile.jsonl")
    for name in ("good-png.png", "thin-video.mp4"):
        shutil.copy(stage / "inbox" / name, held / name)
    os.rename(stage / "inbox", inbox)                           # the whole corpus appears at once
    d = Daemon(root, extra=["--set", "limits.timeout=30", "--set", "watch.sidecar_wait=1",
                            "--set", "watch.pair_timeout=5"]).start()
    peak = 0

    def settled():
        nonlocal peak
        assert d.proc.poll() is None, "the daemon died:\n" + (root / "daemon.log").read_text()[-3000:]
        rss = [l for l in Path(f"/proc/{d.proc.pid}/status").read_text().splitlines() if l.startswith("VmRSS")]
        peak = max(peak, int(rss[0].split()[1]) // 1024 if rss else 0)
        left = [p for p in inbox.rglob("*") if p.is_file() and not p.is_symlink()
                and p.name not in ("fifo.mp4",) and not p.name.startswith("bad-name-")]
        busy = list((root / "processing").rglob("*.*"))
        status = root / "state" / "status.json"
        s = json.loads(status.read_text()) if status.exists() else {}
        return not left and not busy and s.get("queued") == 0 and s.get("working") == 0
    try:
        assert wait_for(settled, timeout=300, step=0.5), \
            f"inbox left: {[p.name for p in inbox.rglob('*')]}\n" + (root / "daemon.log").read_text()[-3000:]
        # Second drop: the manifest with copies of the media it names.
        for name in ("good-png.png", "thin-video.mp4"):
            os.rename(held / name, inbox / name)
        os.rename(held / "hostile.jsonl", inbox / "hostile.jsonl")
        assert wait_for(lambda: (root / "failed" / "hostile.jsonl.line-8.error.json").exists() and settled(),
                        timeout=120, step=0.5), (root / "daemon.log").read_text()[-3000:]
        log = (root / "daemon.log").read_text()
        in_dataset = set(dataset_sources(root / "out"))
        wrong = []
        for c in cases:
            e = c.expect
            if c.group == "manifest":
                line = {"m-good": 1, "hostile-000002": 2, "hostile-000003": 3, "m-escape": 4, "m-absolute": 5,
                        "m-url": 6, "m-thin": 7, "hostile-000008": 8}[c.key]
                report = root / "failed" / f"hostile.jsonl.line-{line}.error.json"
                if c.key == "m-escape":
                    # ../src/i.png leaves processing/ for a folder that does not exist beside the
                    # inbox: refused as missing rather than as escaping (convert sees the file).
                    e = ("input", {"path", "missing"})
                if e == "ok":
                    ok = not report.exists()
                else:
                    r = json.loads(report.read_text()) if report.exists() else {}
                    ok = r.get("stage") == e[0] and r.get("reason") in e[1]
                if not ok:
                    wrong.append(f"{c.key}: expected {e}, report {report.exists() and report.read_text()}")
                continue
            if c.name in ("link.png", "fifo.mp4") or c.name.startswith("bad-name-"):
                # Refused in place: logged once, never claimed (mmprep does not write into the inbox).
                if f"path={c.name}" not in log and not (c.name.startswith("bad-name-") and "not valid UTF-8" in log):
                    wrong.append(f"{c.name}: not reported as refused")
                continue
            if c.name == "dir.mp4":
                continue                                        # a subfolder of the inbox, empty
            report = root / "failed" / (c.name + ".error.json")
            r = json.loads(report.read_text()) if report.exists() else None
            if e == "ok":
                if r is not None:
                    wrong.append(f"{c.name}: expected to convert, failed: {r}")
            elif isinstance(e, tuple):
                if r is None or r["stage"] != e[0] or r["reason"] not in e[1]:
                    wrong.append(f"{c.name}: expected {e}, got {r}")
            else:                                               # any / truncated: converts or fails cleanly
                if r is not None and r["stage"] not in ("decode", "sample", "resize"):
                    wrong.append(f"{c.name}: expected a clean outcome, got {r}")
        assert not wrong, "\n".join(wrong)
        good = [c for c in cases if c.expect == "ok" and c.group != "manifest"]
        assert len(in_dataset) >= len(good)
        assert peak < 1024, f"peak RSS {peak} MB"
    finally:
        assert d.term() == 0

