#!/usr/bin/env python3
"""Issue-6 benchmark driver (called by bench/run.sh; standard library only).

Runs every system on the same inputs in the same run, round-robin (each repetition visits every
system once per input, in an order rotated per repetition), prints the tables of medians and
ratios and writes bench/RESULTS.md. See bench/run.sh for the command and bench/README section of
the top-level README for what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE_SIZES = ["640x480", "1280x720", "1920x1080", "4000x3000"]
PRESETS = ["qwen2.5-vl", "qwen3-vl"]
MiB = 1 << 20
LAST_CPU = None


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_ms(s):
    return "—" if s is None else (f"{s * 1e3:.1f}" if s < 10 else f"{s * 1e3:.0f}")


def fmt_s(s):
    return "—" if s is None else f"{s:.2f}"


def fmt_x(r):
    return "—" if r is None else f"{r:.2f}×"


def fmt_mib(kib):
    return "—" if kib is None else f"{kib / 1024:.0f}"


def ratio(a, b):
    return None if (a is None or b is None or b == 0) else a / b


# ------------------------------------------------------------------------------------------
# running things
# ------------------------------------------------------------------------------------------

def run_timed(cmd, cwd=None, env=None):
    """Runs cmd; returns (seconds, peak RSS KiB from wait4's rusage (= /usr/bin/time -v's figure),
    exit code, stderr text). Wall time includes process start-up. The CPU time (user + system, all
    threads) of the run is left in LAST_CPU."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        global LAST_CPU
        LAST_CPU = ru.ru_utime + ru.ru_stime
        err.seek(0)
        text = err.read().decode(errors="replace")
    return dt, ru.ru_maxrss, p.returncode, text


def run_gnu_time(cmd, sample_rss=False):
    """Runs cmd under /usr/bin/time -v. Returns dict(seconds, peak_rss_kib, rc, samples).
    With sample_rss, VmRSS of the child is read from /proc every 0.2 s."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-v", "-o", tf.name] + cmd,
                             stdout=subprocess.DEVNULL, stderr=err)
        samples = []
        if sample_rss:
            child = None
            while p.poll() is None:
                if child is None:
                    try:
                        kids = Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
                        child = int(kids[0]) if kids else None
                    except OSError:
                        pass
                if child is not None:
                    try:
                        for line in Path(f"/proc/{child}/status").read_text().splitlines():
                            if line.startswith("VmRSS:"):
                                samples.append((time.perf_counter() - t0, int(line.split()[1])))
                    except OSError:
                        pass
                time.sleep(0.2)
        p.wait()
        dt = time.perf_counter() - t0
        text = Path(tf.name).read_text()
        err.seek(0)
        errtext = err.read().decode(errors="replace")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    ut = re.search(r"User time \(seconds\): ([0-9.]+)", text)
    st = re.search(r"System time \(seconds\): ([0-9.]+)", text)
    cpu = float(ut.group(1)) + float(st.group(1)) if ut and st else None
    rc = p.returncode
    if rc != 0:
        log(f"  ! {' '.join(map(str, cmd))} exited {rc}: {errtext[-500:]}")
    return {"seconds": dt, "cpu": cpu, "peak_rss_kib": int(m.group(1)) if m else None, "rc": rc,
            "samples": samples, "stderr": errtext}


class Worker:
    """A warm Python reference process (bench/ref_worker.py) in a venv."""

    def __init__(self, python, name, logdir):
        self.name = name
        env = dict(os.environ)
        # Current numpy is slowed by the OpenBLAS core-type override some machines set; one thread.
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
        self.errlog = open(Path(logdir) / f"worker-{name}.log", "w")
        self.p = subprocess.Popen([python, str(ROOT / "bench" / "ref_worker.py")], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.errlog, text=True, env=env)
        first = self.p.stdout.readline()
        if not first:
            raise RuntimeError(f"worker {name} did not start (see {self.errlog.name})")
        self.info = json.loads(first)["info"]

    def ask(self, **req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.name} died (see {self.errlog.name})")
        return json.loads(line)

    def close(self):
        try:
            self.ask(op="quit")
        except Exception:  # noqa: BLE001
            pass
        self.p.wait(timeout=30)


def safetensors_tensor_bytes(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    total = 0
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        total += b - a
    return total, header


# ------------------------------------------------------------------------------------------
# the machine
# ------------------------------------------------------------------------------------------

def machine(mmprep):
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
        except Exception:  # noqa: BLE001
            return "?"
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": mem,
        "kernel": platform.release(),
        "os": sh(". /etc/os-release; echo $PRETTY_NAME"),
        "swift": sh("swift --version 2>&1 | head -1"),
        "ffmpeg": sh("ffmpeg -version | head -1"),
        "libavcodec": sh("pkg-config --modversion libavcodec"),
        "libjpeg-turbo": sh("dpkg-query -W -f='${Version}' libjpeg62-turbo"),
        "libpng": sh("pkg-config --modversion libpng"),
        "mmprep": sh(f"{mmprep} --version"),
        "git": sh(f"git -C {ROOT} rev-parse --short HEAD") + (" (dirty)" if sh(f"git -C {ROOT} status --porcelain -uno") else ""),
        "loadavg_start": sh("cat /proc/loadavg"),
    }


# ------------------------------------------------------------------------------------------
# the benchmark
# ------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, a):
        self.a = a
        self.quick = a.quick
        self.set = Path(a.set)
        self.shm = Path(a.work_shm)
        self.disk = Path(a.work_disk)
        for d in (self.shm, self.disk):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
        self.bin = a.mmprep
        self.results = {}  # key -> list of samples (dict)
        self.notes = []
        self.workers = {}
        self.available = set()
        self.worker_info = {}
        self.kern = {}
        self.timings = {}
        self.mach = {}
        self.torch_note = a.torch_note
        self.long_secs = 10 if self.quick else 60

    # ---- helpers ----
    def add(self, key, cpu_from_last_run=True, **sample):
        """Records one sample; subprocess samples take the CPU time of the run just made."""
        if cpu_from_last_run and "cpu" not in sample:
            sample["cpu"] = LAST_CPU
        self.results.setdefault(key, []).append(sample)

    def m(self, key, field="seconds"):
        return med([s.get(field) for s in self.results.get(key, []) if s.get("ok", True)])

    def n(self, key):
        return len([s for s in self.results.get(key, []) if s.get("ok", True)])

    def image_files(self):
        return [(fmt, size, self.set / "images" / fmt / f"photo-{size}.{fmt}")
                for fmt in ("jpg", "png") for size in IMAGE_SIZES]

    def videos(self):
        L = self.long_secs
        return [("h264-1080p30", self.set / "videos" / f"h264-1080p30-{L}s.mp4"),
                ("vp9-720p30", self.set / "videos" / f"vp9-720p30-{L}s.webm"),
                ("hevc-2160p30", self.set / "videos" / "hevc-2160p30-10s.mp4")]

    # ---- workers ----
    def start_workers(self):
        logdir = self.disk
        try:
            self.workers["pil"] = Worker(self.a.pil_python, "pil", logdir)
            self.available.add("pil")
            self.worker_info["pil"] = self.workers["pil"].info
            log(f"pil worker: {self.workers['pil'].info}")
        except Exception as e:  # noqa: BLE001
            self.notes.append(f"transformers Pil worker failed to start: {e}")
            log(self.notes[-1])
        if self.a.torch_python:
            try:
                w = Worker(self.a.torch_python, "torch", logdir)
                if "torch_error" in w.info:
                    raise RuntimeError(w.info["torch_error"])
                self.workers["torch"] = w
                self.available.add("torch")
                self.worker_info["torch"] = w.info
                log(f"torch worker: {w.info}")
            except Exception as e:  # noqa: BLE001
                self.torch_note = (self.torch_note or "") + f" torch worker failed: {e}"
        if "torch" not in self.workers:
            msg = ("TORCH NOT AVAILABLE: the torchvision backend and the video reference were NOT measured. "
                   + (self.torch_note or ""))
            print(msg, flush=True)
            self.notes.append(msg)

    # ---- images ----
    def image_systems(self):
        s = []
        for p in PRESETS:
            s.append(("mmprep preprocess", p))
            s.append(("mmprep convert (warm)", p))
        s.append(("mmprep decode", None))
        s.append(("ffmpeg -threads 1", None))
        for p in PRESETS:
            if "pil" in self.available:
                s.append(("transformers Pil", p))
            if "torch" in self.available:
                s.append(("transformers torchvision", p))
        return s

    def convert_copies(self, size):
        return 2 if size == "4000x3000" else (4 if self.quick else 6)

    def prepare_copies(self):
        """Folders of K hard links to each image, so one convert process handles K images."""
        self.copies = {}
        for fmt, size, f in self.image_files():
            d = self.disk / "copies" / f"{fmt}-{size}"
            d.mkdir(parents=True)
            for i in range(self.convert_copies(size)):
                try:
                    os.link(f, d / f"c{i:02d}.{fmt}")
                except OSError:
                    shutil.copy(f, d / f"c{i:02d}.{fmt}")
            self.copies[(fmt, size)] = d

    def measure_image(self, system, preset, fmt, size, f, keep=None):
        key = ("image", system, preset, fmt, size)
        if system == "mmprep preprocess":
            out = keep or (self.shm / "pp.safetensors")
            dt, rss, rc, err = run_timed([self.bin, "preprocess", str(f), "--pipeline", preset, "-o", str(out)])
            if rc != 0:
                log(f"  ! preprocess {f}: {err[-300:]}")
            if not keep:
                out.unlink(missing_ok=True)
            self.add(key, seconds=dt, peak_rss_kib=rss, ok=rc == 0)
        elif system == "mmprep convert (warm)":
            k = self.convert_copies(size)
            out = self.disk / "conv-img"
            shutil.rmtree(out, ignore_errors=True)
            dt, rss, rc, err = run_timed([self.bin, "convert", str(self.copies[(fmt, size)]), "--pipeline", preset,
                                          "--jobs", "1", "--output", str(out), "--quiet"])
            if rc != 0:
                log(f"  ! convert {f}: {err[-300:]}")
            shutil.rmtree(out, ignore_errors=True)
            self.add(key, seconds=dt / k, cpu=LAST_CPU / k, total=dt, k=k, peak_rss_kib=rss, ok=rc == 0)
        elif system == "mmprep decode":
            if self.results.get(key) and not self.results[key][0].get("ok"):
                return  # unsupported: tried once
            dt, rss, rc, err = run_timed([self.bin, "decode", str(f)])
            self.add(key, seconds=dt, peak_rss_kib=rss, ok=rc == 0, error=err.strip()[-200:] if rc else None)
        elif system == "ffmpeg -threads 1":
            dt, rss, rc, err = run_timed(["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-benchmark",
                                          "-threads", "1", "-i", str(f), "-f", "null", "-"])
            mt = re.search(r"rtime=([0-9.]+)s", err)
            self.add(key, seconds=dt, rtime=float(mt.group(1)) if mt else None, peak_rss_kib=rss, ok=rc == 0)
        else:
            backend = "pil" if system == "transformers Pil" else "torchvision"
            w = self.workers["pil" if backend == "pil" else "torch"]
            ans = w.ask(op="image", backend=backend, preset=preset, file=str(f))
            if "error" in ans:
                log(f"  ! {system} {preset} {f}: {ans['error']}")
                self.add(key, cpu=None, ok=False, error=ans["error"])
            else:
                self.add(key, seconds=ans["seconds"], cpu=ans.get("cpu_seconds"), peak_rss_kib=ans["peak_rss_kib"], ok=True)

    def images(self):
        reps_small, reps_large = (2, 1) if self.quick else (4, 2)
        self.prepare_copies()
        systems = self.image_systems()
        # warm-up: first call of each Python processor (lazy imports), untimed
        warm = self.set / "images" / "jpg" / "photo-640x480.jpg"
        for system, preset in systems:
            if system.startswith("transformers"):
                backend = "pil" if system == "transformers Pil" else "torchvision"
                self.workers["pil" if backend == "pil" else "torch"].ask(op="image", backend=backend,
                                                                         preset=preset, file=str(warm))
        for rep in range(reps_small):
            t0 = time.time()
            for fmt, size, f in self.image_files():
                if size == "4000x3000" and rep >= reps_large:
                    continue
                order = systems[rep % len(systems):] + systems[:rep % len(systems)]
                for system, preset in order:
                    self.measure_image(system, preset, fmt, size, f)
            log(f"images: repetition {rep + 1}/{reps_small} done in {time.time() - t0:.0f} s")

    def stage_timer(self):
        if not self.a.stage_timer:
            return
        files = [str(f) for _, _, f in self.image_files()]
        reps = 3 if self.quick else 7
        r = subprocess.run([self.a.stage_timer, str(reps)] + files, capture_output=True, text=True)
        self.stages = {}
        for line in r.stdout.splitlines():
            if line.startswith("{"):
                d = json.loads(line)
                if "error" not in d:
                    p = Path(d["file"])
                    self.stages[(p.suffix[1:], p.stem.split("-")[1], d["preset"])] = d

    def bit_identity(self):
        self.identity = []
        if "pil" not in self.workers:
            return
        for size in IMAGE_SIZES:
            f = self.set / "images" / "jpg" / f"photo-{size}.jpg"
            for p in PRESETS:
                out = self.shm / f"check-{p}-{size}.safetensors"
                subprocess.run([self.bin, "preprocess", str(f), "--pipeline", p, "-o", str(out)],
                               check=False, capture_output=True)
                if not out.exists():
                    self.identity.append((size, p, False, "mmprep failed"))
                    continue
                ans = self.workers["pil"].ask(op="check", preset=p, file=str(f), mmprep=str(out))
                out.unlink(missing_ok=True)
                if "error" in ans:
                    self.identity.append((size, p, False, ans["error"]))
                else:
                    self.identity.append((size, p, ans["identical"],
                                          f"{ans['shape']}" + ("" if ans["identical"] else
                                                               f" vs {ans['mmprep_shape']}, {ans['differing']} values differ")))
                log(f"bit identity {size} {p}: {self.identity[-1][2]}")

    # ---- videos ----
    def video_systems(self):
        # (system, label, --set overrides); the fps=0.5 / 8-frame settings and ffmpeg with automatic
        # threads run on the H.264 clip only (target 3), to keep the default run near 20 minutes.
        s = [("mmprep preprocess", "qwen2.5-vl", ()),
             ("mmprep preprocess", "qwen3-vl", ()),
             ("mmprep preprocess", "qwen2.5-vl fps=0.5", ("video.fps=0.5",)),
             ("mmprep preprocess", "qwen2.5-vl 8 frames", ("video.frames=8",)),
             ("mmprep decode (all frames)", None, ()),
             ("ffmpeg -threads 1", None, ()),
             ("ffmpeg (auto threads)", None, ())]
        if "torch" in self.available:
            s += [("reference (torchcodec + transformers)", "qwen2.5-vl", ()),
                  ("reference (torchcodec + transformers)", "qwen3-vl", ())]
        return s

    H264_ONLY = {"qwen2.5-vl fps=0.5", "qwen2.5-vl 8 frames", "ffmpeg (auto threads)"}

    def applies(self, system, label, name):
        return name == "h264-1080p30" or (label not in self.H264_ONLY and system not in self.H264_ONLY)

    def measure_video(self, system, label, sets, name, f, rep=0):
        key = ("video", system, label, name)
        if not self.applies(system, label, name):
            return
        if system.startswith("reference") and rep >= self.ref_video_reps:
            return
        if system == "mmprep preprocess":
            preset = label.split()[0]
            out = self.disk / "video.safetensors"
            cmd = [self.bin, "preprocess", str(f), "--pipeline", preset, "-o", str(out)]
            for s in sets:
                cmd += ["--set", s]
            dt, rss, rc, err = run_timed(cmd)
            extra = {}
            if rc == 0:
                nbytes, header = safetensors_tensor_bytes(out)
                md = header.get("__metadata__", {})
                fi = md.get("frame_indices")
                extra = {"tensor_bytes": nbytes, "frames": len(json.loads(fi)) if fi else None}
            else:
                log(f"  ! {cmd}: {err[-300:]}")
            out.unlink(missing_ok=True)
            self.add(key, seconds=dt, peak_rss_kib=rss, ok=rc == 0, **extra)
        elif system.startswith("mmprep decode"):
            cmd = [self.bin, "decode", str(f)]
            if "planned" in system:
                cmd += ["--planned", "--pipeline", label]
            dt, rss, rc, err = run_timed(cmd)
            if rc != 0:
                log(f"  ! {cmd}: {err[-300:]}")
            self.add(key, seconds=dt, peak_rss_kib=rss, ok=rc == 0)
        elif system.startswith("ffmpeg"):
            cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-benchmark"]
            if "-threads 1" in system:
                cmd += ["-threads", "1"]
            cmd += ["-i", str(f), "-an", "-f", "null", "-"]
            dt, rss, rc, err = run_timed(cmd)
            mt = re.search(r"rtime=([0-9.]+)s", err)
            mf = re.findall(r"frame=\s*(\d+)", err)
            self.add(key, seconds=dt, rtime=float(mt.group(1)) if mt else None, peak_rss_kib=rss, ok=rc == 0,
                     frames=int(mf[-1]) if mf else None)
        else:
            ans = self.workers["torch"].ask(op="video", preset=label, file=str(f))
            if "error" in ans:
                log(f"  ! reference {label} {f}: {ans['error']}")
                self.add(key, cpu=None, ok=False, error=ans["error"])
            else:
                self.add(key, seconds=ans["seconds"], cpu=ans.get("cpu_seconds"), peak_rss_kib=ans["peak_rss_kib"],
                         ok=True, backend=ans.get("video_backend"))

    def video(self):
        reps = 1 if self.quick else 2
        self.ref_video_reps = 1  # the Python video references take minutes per 60 s clip: once each
        systems = self.video_systems()
        for rep in range(reps):
            t0 = time.time()
            for name, f in self.videos():
                order = systems[rep % len(systems):] + systems[:rep % len(systems)]
                for system, label, sets in order:
                    self.measure_video(system, label, sets, name, f, rep)
            log(f"videos: repetition {rep + 1}/{reps} done in {time.time() - t0:.0f} s")

    # ---- convert: throughput and scaling ----
    def convert(self):
        reps = 1 if self.quick else 2
        inputs = [str(self.set / "images"), str(self.set / "videos")]
        self.convert_items = 8 + 3
        for rep in range(reps):
            for jobs in ((1, 2) if rep % 2 == 0 else (2, 1)):
                out = self.disk / f"conv-set-{jobs}"
                shutil.rmtree(out, ignore_errors=True)
                r = run_gnu_time([self.bin, "convert", *inputs, "--pipeline", "qwen2.5-vl", "--jobs", str(jobs),
                                  "--output", str(out), "--quiet"])
                shutil.rmtree(out, ignore_errors=True)
                self.add(("convert-set", jobs), seconds=r["seconds"], cpu=r["cpu"], peak_rss_kib=r["peak_rss_kib"], ok=r["rc"] == 0)
                log(f"convert set jobs {jobs}: {r['seconds']:.1f} s")
            # decode.isolation: process (issue 7): the same run with decoding in a child process.
            out = self.disk / "conv-set-iso"
            shutil.rmtree(out, ignore_errors=True)
            r = run_gnu_time([self.bin, "convert", *inputs, "--pipeline", "qwen2.5-vl", "--jobs", "1",
                              "--set", "decode.isolation=process", "--output", str(out), "--quiet"])
            shutil.rmtree(out, ignore_errors=True)
            self.add(("convert-set-iso", 1), seconds=r["seconds"], cpu=r["cpu"], peak_rss_kib=r["peak_rss_kib"], ok=r["rc"] == 0)
            log(f"convert set jobs 1, decode.isolation=process: {r['seconds']:.1f} s")

    def many(self):
        """1000 images: RSS over time at --jobs 1 (target 4), and --jobs 2 (target 5)."""
        many = self.set / "many"
        self.many_n = len(list(many.glob("*.jpg")))
        for jobs in (1, 2):
            out = self.disk / f"conv-many-{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            r = run_gnu_time([self.bin, "convert", str(many), "--pipeline", "qwen2.5-vl", "--jobs", str(jobs),
                              "--output", str(out), "--quiet"], sample_rss=True)
            shutil.rmtree(out, ignore_errors=True)
            self.add(("convert-many", jobs), seconds=r["seconds"], cpu=r["cpu"], peak_rss_kib=r["peak_rss_kib"], ok=r["rc"] == 0,
                     samples=r["samples"])
            log(f"convert {self.many_n} images jobs {jobs}: {r['seconds']:.1f} s, peak {r['peak_rss_kib']} KiB")

    def long_video(self):
        L = self.long_secs * 10
        f = self.set / "long" / f"h264-1080p30-{L}s.mp4"
        out = self.disk / "long.safetensors"
        r = run_gnu_time([self.bin, "preprocess", str(f), "--pipeline", "qwen3-vl", "-o", str(out)], sample_rss=True)
        nbytes = None
        if r["rc"] == 0:
            nbytes, header = safetensors_tensor_bytes(out)
        out.unlink(missing_ok=True)
        self.long = dict(file=f.name, seconds=r["seconds"], peak_rss_kib=r["peak_rss_kib"], tensor_bytes=nbytes,
                         ok=r["rc"] == 0, secs=L)
        log(f"long video: {self.long}")

    # ---- profile (evidence for missed targets) ----
    def profile(self):
        """perf record (software cpu-clock sampling: works on VMs without hardware counters)."""
        self.prof = []
        if not shutil.which("perf"):
            self.notes.append("perf not installed (apt-get install linux-perf): no profile section.")
            return
        probe = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", str(self.disk / "probe.data"), "true"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            self.notes.append(f"perf record does not work here: {probe.stderr.strip()[-200:]}")
            return
        jpg = self.set / "images" / "jpg" / "photo-1280x720.jpg"
        h264 = self.videos()[0][1]
        runs = []
        if self.a.stage_timer:
            runs.append(("stage timer, 720p JPEG, both presets (decode, resize, patchify; in process)",
                         [self.a.stage_timer, "10", str(jpg)]))
        copies = self.disk / "prof-copies"
        shutil.rmtree(copies, ignore_errors=True)
        copies.mkdir(parents=True)
        for i in range(12):
            os.link(jpg, copies / f"c{i:02d}.jpg")
        runs.append(("mmprep convert --jobs 1 over 12 copies of the 720p JPEG (qwen2.5-vl): per-image overhead "
                     "beyond decode/resize/patchify",
                     [self.bin, "convert", str(copies), "--pipeline", "qwen2.5-vl", "--jobs", "1", "--output",
                      str(self.disk / "prof-conv"), "--quiet"]))
        runs.append(("mmprep --version: process start-up alone", [self.bin, "--version"]))
        runs.append((f"mmprep preprocess {h264.name} --pipeline qwen2.5-vl (2 fps)",
                     [self.bin, "preprocess", str(h264), "--pipeline", "qwen2.5-vl", "-o",
                      str(self.disk / "prof.safetensors")]))
        demangle = shutil.which("swift-demangle") or (["swift", "demangle"] if shutil.which("swift") else None)
        for title, cmd in runs:
            data = self.disk / "perf.data"
            r = subprocess.run(["perf", "record", "-e", "cpu-clock", "-F", "999", "-o", str(data), "--"] + cmd,
                               capture_output=True, text=True)
            (self.disk / "prof.safetensors").unlink(missing_ok=True)
            shutil.rmtree(self.disk / "prof-conv", ignore_errors=True)
            if r.returncode != 0:
                self.prof.append((title, f"perf record failed: {r.stderr[-200:]}", ""))
                continue
            def report(sort):
                out = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--sort", sort, "--stdio",
                                      "-g", "none", "--percent-limit", "1"], capture_output=True, text=True).stdout
                lines = [l.rstrip() for l in out.splitlines() if l.strip() and not l.startswith("#")]
                text = "\n".join(lines[:14])
                if demangle:
                    dm = demangle if isinstance(demangle, list) else [demangle]
                    text = subprocess.run(dm + ["--simplified"], input=text, capture_output=True, text=True).stdout or text
                return "\n".join(re.sub(r"\s+-\s+-\s*$", "", l)[:150] for l in text.splitlines())
            self.prof.append((title, report("dso"), report("dso,symbol")))

    # ---- all ----
    STATE = ("results", "stages", "identity", "long", "many_n", "prof", "timings", "mach", "worker_info",
             "available", "notes", "torch_note", "kern")

    def save_state(self):
        import pickle
        Path(self.a.state).parent.mkdir(parents=True, exist_ok=True)
        Path(self.a.state).write_bytes(pickle.dumps({k: getattr(self, k, None) for k in self.STATE}))

    def report_only(self):
        import pickle
        for k, v in pickle.loads(Path(self.a.report_only).read_bytes()).items():
            if v is not None:
                setattr(self, k, v)
        self.ref_video_reps = 1
        if not self.kern:
            self.kernels_parse()
        if self.a.reprofile:
            self.profile()
            self.save_state()
        report = self.report()
        print(report)
        Path(self.a.out).write_text(report)

    def run(self):
        if self.a.report_only:
            return self.report_only()
        self.mach = machine(self.bin)
        self.start_workers()
        steps = [("images", self.images), ("stage timer", self.stage_timer), ("bit identity", self.bit_identity),
                 ("convert set", self.convert), ("1000 images", self.many), ("long video", self.long_video),
                 ("profile", self.profile), ("videos", self.video)]
        self.timings = {}
        for name, fn in steps:
            if name in self.a.skip:
                continue
            t0 = time.time()
            log(f"== {name}")
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                import traceback
                traceback.print_exc()
                self.notes.append(f"step '{name}' failed: {type(e).__name__}: {e}")
            self.timings[name] = time.time() - t0
            self.save_state()
        for w in self.workers.values():
            w.close()
        self.mach["loadavg_end"] = Path("/proc/loadavg").read_text().strip()
        self.kernels_parse()
        self.save_state()
        report = self.report()
        print(report)
        Path(self.a.out).write_text(report)
        (self.disk / "raw.json").write_text(json.dumps({"results": {repr(k): v for k, v in self.results.items()}},
                                                        default=str))
        log(f"wrote {self.a.out}; raw samples in {self.disk / 'raw.json'}")

    def kernels_parse(self):
        """Reads the ordo-one/benchmark histogramPercentiles export (one TSV per benchmark and metric)."""
        self.kern = {}
        d = self.a.kernels_dir
        if not d or not Path(d).is_dir():
            return
        scale = {"ns": 1e-3, "μs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
        for f in sorted(Path(d).glob("*.tsv")):
            metric = "wall" if ".wallClock." in f.name else ("cpu" if ".cpuTotal." in f.name else None)
            lines = f.read_text().splitlines()
            if metric is None or not lines:
                continue
            m = re.search(r"\((ns|μs|us|ms|s)\)", lines[0])
            unit = scale[m.group(1)] if m else 1.0
            name = re.search(r"((?:patchify|memcpy).*?\d+[ _]bytes)", f.name)
            if not name:
                continue
            pct = dict(line.split("\t") for line in lines[1:] if "\t" in line)
            e = self.kern.setdefault(name.group(1).replace("_", " "), {})
            e["p50_us" if metric == "wall" else "cpu_p50_us"] = float(pct["50"]) * unit

    # ------------------------------------------------------------------------------------------
    # report
    # ------------------------------------------------------------------------------------------
    def report(self):
        a = self.a
        L = []
        w = L.append
        w("# mmprep benchmark results (issue 6)\n")
        w(f"Generated by `{a.command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
          + (" — QUICK mode (fewer repetitions, 10 s videos): not a result to quote." if self.quick else "") + ".\n")
        if self.a.report_only:
            w(f"Rendered with `--report-only` from the samples the run saved (measured at commit "
              f"{self.mach.get('git', '?')}, run started with load average {self.mach.get('loadavg_start', '?')})"
              + ("; the perf profiles were taken again right after the run (`--reprofile`)" if getattr(self, 'prof', None) else "")
              + ".\n")
        w("## Machine\n")
        for k, v in self.mach.items():
            w(f"- {k}: {v}")
        for name in ("pil", "torch"):
            if name in self.worker_info:
                w(f"- python worker `{name}`: " + ", ".join(f"{k} {v}" for k, v in self.worker_info[name].items()))
        w(f"- step durations: " + ", ".join(f"{k} {v:.0f} s" for k, v in self.timings.items()))
        w("")
        w("The machine is shared (2 cores; other sessions build and test on it at the same time): the load "
          "averages above show how busy it was. Every system runs on the same inputs in the same run, "
          "round-robin, and each figure is a median, so the ratios are fairer than the absolute times. "
          "On a loaded machine wall time includes waiting for a core (and process start-up slows a lot), so "
          "CPU time (user + system: `wait4` rusage for processes, `time.process_time()` in the Python worker, "
          "the thread CPU clock in the stage timer, ordo-one's `cpuTotal`) is given beside it; for "
          "single-threaded work it is the steadier comparison. Targets are judged on both where they differ.\n")
        for n in self.notes:
            w(f"**{n}**\n")
        sums = self.set / "SHA256SUMS"
        if sums.exists():
            w(f"## Benchmark set\n")
            w(f"Made by `bench/make-set.sh` ({'quick: 10 s videos' if self.quick else 'full'}) from the committed "
              "real media (Tests/Fixtures: rocket.jpg, plant.jpg, ball-576p-h264.mp4) with fixed noise seeds; "
              "sha256 of the files this run used:\n")
            w("```")
            w(sums.read_text().strip())
            w("```\n")
        w("## How it is measured\n")
        w("- mmprep `preprocess` / `decode` and `ffmpeg`: wall time of the whole process (start-up included), "
          "peak RSS from `wait4` rusage (the figure `/usr/bin/time -v` prints). Outputs go to tmpfs (images) "
          "or the cache disk (videos, convert) and are deleted after each run.")
        w("- mmprep `convert (warm)`: one `convert --jobs 1` process over a folder of K hard links to the same "
          "file (K = 6, 2 for 4000×3000; 4 in quick mode); time = process wall time / K, so start-up is amortised over K images "
          "and the time includes the chat template, shard writing and the index.")
        w("- transformers (Pil, torchvision): inside one warm Python process per venv (interpreter start and "
          "imports excluded, one untimed warm-up call per processor); each timed call loads the file from disk "
          "(`transformers.image_utils.load_image`: PIL open + EXIF transpose + RGB) and runs the processor "
          "built from the preset's published `preprocessor_config.json`. torch runs with "
          "`torch.set_num_threads(1)`; OMP/OpenBLAS threads 1. Peak RSS: VmHWM reset before the call "
          "(`/proc/self/clear_refs`) and read after it, so it includes the interpreter and libraries.")
        w("- `ffmpeg -threads 1 -benchmark -i FILE -f null -`: wall time; `rtime` is ffmpeg's own time for the "
          "decode loop (start-up and probing excluded).")
        w("- stage timer (`bench/kernels`, `stage-timer`): mmprep's own image decode (`ImageDecoder`) and the "
          "steps after it (smart_resize + Pillow-13 bicubic, normalise+patchify to float32) timed inside one "
          "process, medians; no start-up, no write.\n")

        # ---- images table
        w("## Images: per-file latency — wall ms / CPU ms (user+system) / peak RSS MiB, medians\n")
        systems = self.image_systems()
        hdr = "| file | " + " | ".join(f"{s}{' ' + p if p else ''}" for s, p in systems) + " |"
        w(hdr)
        w("|" + "---|" * (len(systems) + 1))
        for fmt, size, f in self.image_files():
            cells = []
            for s, p in systems:
                key = ("image", s, p, fmt, size)
                if s == "mmprep decode" and self.results.get(key) and not self.results[key][0].get("ok"):
                    cells.append("n/a¹")
                    continue
                v = self.m(key)
                extra = ""
                if s == "ffmpeg -threads 1":
                    rt = self.m(key, "rtime")
                    extra = f" (rtime {fmt_ms(rt)})"
                cells.append(f"{fmt_ms(v)} / {fmt_ms(self.m(key, 'cpu'))}{extra} / {fmt_mib(self.m(key, 'peak_rss_kib'))}")
            w(f"| {fmt} {size} | " + " | ".join(cells) + " |")
        w("")
        dkey = ("image", "mmprep decode", None, "jpg", "640x480")
        if self.results.get(dkey) and not self.results[dkey][0].get("ok"):
            w(f"¹ `mmprep decode` refuses still images: `{self.results[dkey][0].get('error')}`. "
              "mmprep's own image decode time is therefore taken from the stage timer below.\n")
        reps = [f"{s}{' ' + p if p else ''} {self.n(('image', s, p, 'jpg', '1280x720'))}" for s, p in systems]
        w("Repetitions per cell (720p JPEG; 4000×3000 has fewer): " + ", ".join(reps) + ".\n")

        w("### Throughput and ratios (images/s from wall time; ratio = mmprep throughput ÷ other's; "
          "(cpu) = the same ratio from CPU time)\n")
        w("| file | preset | mmprep preprocess (CLI) | mmprep convert (warm) | Pil | torchvision | CLI ÷ Pil | warm ÷ Pil | warm ÷ Pil (cpu) | warm ÷ torchvision | warm ÷ torchvision (cpu) |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")
        self.t1 = []
        for fmt, size, f in self.image_files():
            for p in PRESETS:
                cli = self.m(("image", "mmprep preprocess", p, fmt, size))
                warm = self.m(("image", "mmprep convert (warm)", p, fmt, size))
                pil = self.m(("image", "transformers Pil", p, fmt, size))
                tv = self.m(("image", "transformers torchvision", p, fmt, size))
                ips = lambda t: "—" if t is None else f"{1 / t:.1f}"  # noqa: E731
                r_cli, r_warm, r_tv = ratio(pil, cli), ratio(pil, warm), ratio(tv, warm)
                c_warm = self.m(("image", "mmprep convert (warm)", p, fmt, size), "cpu")
                rc_pil = ratio(self.m(("image", "transformers Pil", p, fmt, size), "cpu"), c_warm)
                rc_tv = ratio(self.m(("image", "transformers torchvision", p, fmt, size), "cpu"), c_warm)
                w(f"| {fmt} {size} | {p} | {ips(cli)} | {ips(warm)} | {ips(pil)} | {ips(tv)} | {fmt_x(r_cli)} | "
                  f"{fmt_x(r_warm)} | {fmt_x(rc_pil)} | {fmt_x(r_tv)} | {fmt_x(rc_tv)} |")
                if fmt == "jpg" and size in ("1280x720", "1920x1080"):
                    self.t1.append((size, p, r_cli, r_warm, ratio(tv, cli), r_tv, rc_pil, rc_tv))
        w("")

        stages = getattr(self, "stages", {})
        if stages:
            w("### mmprep stages in one process (stage timer: thread CPU ms, median)\n")
            w("In one warm process and without writing anything, like the transformers calls beside it "
              "(their CPU time per call: load the file, run the processor). The last two columns are the "
              "like-for-like throughput ratios.\n")
            w("| file | preset | resized | decode | resize | normalise+patchify | total | total ÷ decode | "
              "Pil (CPU ms) | torchvision (CPU ms) | ÷ Pil | ÷ torchvision |")
            w("|---|---|---|---|---|---|---|---|---|---|---|---|")
            self.inproc = {}
            for fmt, size, f in self.image_files():
                for p in PRESETS:
                    d = stages.get((fmt, size, p))
                    if d:
                        pil = self.m(("image", "transformers Pil", p, fmt, size), "cpu")
                        tv = self.m(("image", "transformers torchvision", p, fmt, size), "cpu")
                        total = d["total_ms"] / 1e3
                        self.inproc[(fmt, size, p)] = (ratio(pil, total), ratio(tv, total))
                        w(f"| {fmt} {size} | {p} | {d['resized']} | {d['decode_ms']:.1f} | {d['resize_ms']:.1f} | "
                          f"{d['patchify_ms']:.1f} | {d['total_ms']:.1f} | {d['total_ms'] / d['decode_ms']:.2f}× | "
                          f"{fmt_ms(pil)} | {fmt_ms(tv)} | {fmt_x(ratio(pil, total))} | {fmt_x(ratio(tv, total))} |")
            w("")

        if getattr(self, "identity", None) is not None:
            w("### Bit identity: mmprep vs transformers Qwen2VLImageProcessorPil (benchmark JPEGs)\n")
            w("| file | preset | identical | pixel_values shape |")
            w("|---|---|---|---|")
            for size, p, ok, note in self.identity:
                w(f"| jpg {size} | {p} | {'yes' if ok else '**NO**'} | {note} |")
            w("")

        # ---- videos
        vs = self.video_systems()
        if any(k[0] == "video" for k in self.results):
            w("## Videos — wall s / CPU s (user+system, all threads) / peak RSS MiB, medians\n")
            w("| system | " + " | ".join(n for n, _ in self.videos()) + " |")
            w("|---|" + "---|" * len(self.videos()))
            for s, label, _ in vs:
                cells = []
                for n, _f in self.videos():
                    key = ("video", s, label, n)
                    v = self.m(key)
                    extra = ""
                    if v is None:
                        cells.append("—")
                        continue
                    if s.startswith("ffmpeg"):
                        fr = self.m(key, "frames")
                        extra = f" (rtime {fmt_s(self.m(key, 'rtime'))}, {'?' if fr is None else int(fr)} frames)"
                    if s == "mmprep preprocess":
                        fr = self.m(key, "frames")
                        extra = f" ({int(fr)} frames)" if fr else ""
                    cells.append(f"{fmt_s(v)} / {fmt_s(self.m(key, 'cpu'))}{extra} / {fmt_mib(self.m(key, 'peak_rss_kib'))}")
                w(f"| {s}{' ' + label if label else ''} | " + " | ".join(cells) + " |")
            w("")
            w("`mmprep decode` without `-o` (decode-only) keeps every decoded frame in memory before returning "
              "(see its peak RSS), so it is a decode-speed floor for short clips only. "
              "Python references ran once per clip (they take minutes); the other systems twice, alternating.\n")
            w("`mmprep preprocess` uses `video.threads: 0` (FFmpeg chooses its decoder threads); the decode floor "
              "is given with one thread (`-threads 1`, what issue 6 names) and with FFmpeg's automatic threads.\n")
            w("### Ratios to full decode (mmprep preprocess ÷ ffmpeg full decode; below 1 = faster than decoding every frame)\n")
            w("| clip | setting | ÷ ffmpeg -threads 1 | (cpu) | ÷ ffmpeg auto threads | ÷ mmprep decode (all frames) | reference ÷ mmprep | (cpu) |")
            w("|---|---|---|---|---|---|---|---|")
            self.t3 = []
            for n, _f in self.videos():
                f1 = self.m(("video", "ffmpeg -threads 1", None, n))
                fa = self.m(("video", "ffmpeg (auto threads)", None, n))
                md = self.m(("video", "mmprep decode (all frames)", None, n))
                c1 = self.m(("video", "ffmpeg -threads 1", None, n), "cpu")
                for s, label, _ in vs:
                    if s != "mmprep preprocess":
                        continue
                    t = self.m(("video", s, label, n))
                    if t is None:
                        continue
                    ct = self.m(("video", s, label, n), "cpu")
                    ref = refc = None
                    if label in PRESETS:
                        rk = ("video", "reference (torchcodec + transformers)", label, n)
                        ref, refc = ratio(self.m(rk), t), ratio(self.m(rk, "cpu"), ct)
                    w(f"| {n} | {label} | {fmt_x(ratio(t, f1))} | {fmt_x(ratio(ct, c1))} | {fmt_x(ratio(t, fa))} | "
                      f"{fmt_x(ratio(t, md))} | {fmt_x(ref)} | {fmt_x(refc)} |")
                    if n == "h264-1080p30":
                        self.t3.append((label, ratio(t, f1), ratio(t, fa), ratio(ct, c1)))
            w("")

        # ---- convert
        w("## convert: throughput and scaling (qwen2.5-vl)\n")
        w("| set | jobs 1 (s) | jobs 2 (s) | items/s jobs 1 | items/s jobs 2 | scaling (jobs 2 ÷ jobs 1 throughput) | CPU s j1 / j2 | cores used j1 / j2 (CPU ÷ wall) | peak RSS j1 / j2 (MiB) |")
        w("|---|---|---|---|---|---|---|---|---|")
        self.t5 = []
        sets = [("convert-set", f"benchmark set ({8} images + 3 videos)", 11)]
        if ("convert-many", 1) in self.results:
            sets.append(("convert-many", f"{self.many_n} JPEGs 640×480", self.many_n))
        for k, label, items in sets:
            j1, j2 = self.m((k, 1)), self.m((k, 2))
            sc = ratio(j1, j2)
            self.t5.append((label, sc))
            w(f"| {label} | {fmt_s(j1)} | {fmt_s(j2)} | {'—' if not j1 else f'{items / j1:.2f}'} | "
              f"{'—' if not j2 else f'{items / j2:.2f}'} | {fmt_x(sc)} | {fmt_s(self.m((k, 1), 'cpu'))} / "
              f"{fmt_s(self.m((k, 2), 'cpu'))} | {fmt_s(ratio(self.m((k, 1), 'cpu'), j1))} / {fmt_s(ratio(self.m((k, 2), 'cpu'), j2))} | {fmt_mib(self.m((k, 1), 'peak_rss_kib'))} / "
              f"{fmt_mib(self.m((k, 2), 'peak_rss_kib'))} |")
        w("\nA jobs-1 run that gets well under 1.0 core (CPU ÷ wall) was starved by other processes on the "
          "machine; then a second job has no idle core to use and the scaling figure measures the machine's "
          "load, not mmprep.")
        w(f"\nRepetitions: benchmark set {self.n(('convert-set', 1))} per job count (alternating), 1000 images 1.\n")
        if ("convert-set-iso", 1) in self.results:
            iso, inproc = self.m(("convert-set-iso", 1)), self.m(("convert-set", 1))
            w("### decode.isolation: process (issue 7)\n")
            w("| run | wall (s) | CPU (s) | peak RSS (MiB) |")
            w("|---|---|---|---|")
            w(f"| in process, jobs 1 | {fmt_s(inproc)} | {fmt_s(self.m(('convert-set', 1), 'cpu'))} | "
              f"{fmt_mib(self.m(('convert-set', 1), 'peak_rss_kib'))} |")
            w(f"| decode.isolation=process, jobs 1 | {fmt_s(iso)} | {fmt_s(self.m(('convert-set-iso', 1), 'cpu'))} | "
              f"{fmt_mib(self.m(('convert-set-iso', 1), 'peak_rss_kib'))} (parent only) |")
            w(f"\nCost of isolation: {fmt_x(ratio(iso, inproc))} the in-process wall time (the tensors cross a pipe "
              "once; one child per worker).\n")

        # ---- memory
        w("## Memory\n")
        self.t4 = []
        lv = getattr(self, "long", None)
        if lv:
            lim = (2 * lv["tensor_bytes"] + 150 * MiB) if lv.get("tensor_bytes") else None
            peak = lv["peak_rss_kib"] * 1024 if lv.get("peak_rss_kib") else None
            ok = (peak is not None and lim is not None and peak < lim)
            self.t4.append(("long", peak, lim, ok))
            w(f"- {lv['secs']} s 1080p30 H.264 (`{lv['file']}`), `preprocess --pipeline qwen3-vl` (defaults): "
              f"{lv['seconds']:.1f} s, peak RSS {fmt_mib(lv['peak_rss_kib'])} MiB (`/usr/bin/time -v`); output tensors "
              f"{(lv['tensor_bytes'] or 0) / MiB:.0f} MiB; limit 2 × tensors + 150 MiB = "
              f"{(lim or 0) / MiB:.0f} MiB: **{'met' if ok else 'missed'}**"
              + (" (quick mode: a 100 s clip, not 10 minutes)" if self.quick else "") + ".")
        mk = ("convert-many", 1)
        if mk in self.results and self.results[mk][0]["samples"]:
            smp = self.results[mk][0]["samples"]
            dur = self.results[mk][0]["seconds"]
            n = self.many_n
            cut = dur * 100 / n  # time by which ~100 images are done (constant rate)
            first = [r for t, r in smp if t <= cut]
            rest = [r for t, r in smp if t > cut]
            f_max = max(first) if first else None
            r_max = max(rest) if rest else None
            last = smp[-1][1]
            growth = None if (f_max is None or r_max is None) else r_max - f_max
            ok = growth is not None and growth <= 8 * 1024
            self.t4.append(("many", f_max, r_max, ok, growth))
            # a compact trace: 10 points
            pts = [smp[int(i * (len(smp) - 1) / 9)] for i in range(10)] if len(smp) >= 10 else smp
            w(f"- `convert` of {n} JPEGs (640×480, qwen2.5-vl, --jobs 1), VmRSS sampled every 0.2 s "
              f"({len(smp)} samples over {dur:.1f} s): max {fmt_mib(f_max)} MiB in the first ~100 images "
              f"(first {cut:.1f} s at the mean rate), max {fmt_mib(r_max)} MiB after, {fmt_mib(last)} MiB at the end; "
              f"growth after the first hundred {'—' if growth is None else f'{growth / 1024:+.1f}'} MiB "
              f"(met when ≤ 8 MiB): **{'met' if ok else 'missed'}**.")
            w("  - trace (s: MiB): " + ", ".join(f"{t:.1f}: {r / 1024:.0f}" for t, r in pts))
        w("")

        # ---- kernels
        w("## Kernel: patchify+normalise vs memcpy (ordo-one/benchmark, `bench/kernels`)\n")
        self.t6 = []
        if self.kern:
            w("| benchmark | bytes | p50 wall (µs) | GB/s | kernel ÷ memcpy warm | kernel ÷ memcpy fresh |")
            w("|---|---|---|---|---|---|")
            def p50(name):
                e = self.kern.get(name)
                return None if e is None else e.get("p50_us")

            def cp50(name):
                e = self.kern.get(name)
                return None if e is None else e.get("cpu_p50_us")
            for name, e in sorted(self.kern.items()):
                if not name.startswith("patchify"):
                    continue
                nbytes = int(re.search(r"(\d+) bytes", name).group(1))
                t = e["p50_us"]
                warm = p50(f"memcpy warm {nbytes} bytes")
                fresh = p50(f"memcpy fresh {nbytes} bytes")
                gbs = nbytes / (t * 1e-6) / 1e9
                r_w, r_f = ratio(warm, t), ratio(fresh, t)
                r_c = ratio(cp50(f"memcpy warm {nbytes} bytes"), e.get("cpu_p50_us"))
                self.t6.append((name, gbs, r_w, r_f))
                w(f"| {name} | {nbytes} | {t:.0f} | {gbs:.2f} | {fmt_x(r_w)} | {fmt_x(r_f)} |")
            for name, e in sorted(self.kern.items()):
                if name.startswith("memcpy"):
                    nbytes = int(re.search(r"(\d+) bytes", name).group(1))
                    w(f"| {name} | {nbytes} | {e['p50_us']:.0f} | {nbytes / (e['p50_us'] * 1e-6) / 1e9:.2f} | | |")
            w("\nGB/s = output tensor bytes ÷ p50 wall time (the kernel reads 1/8 as many bytes of 8-bit pixels, "
              "twice for T = 2, and writes float32). `memcpy warm` copies the same number of bytes into a "
              "buffer touched beforehand; `memcpy fresh` into a newly allocated one each time, as "
              "`Patchifier.patchify` allocates its output. ordo-one's `cpuTotal` metric is also recorded, but its "
              "resolution here is 10 ms (a scheduler tick), too coarse for these kernels, so only wall time is used; "
              "the kernel and memcpy run back to back in one process, so load slows both.\n")
        else:
            w("Not run (see bench/run.sh output).\n")

        # ---- profile
        if getattr(self, "prof", None):
            w("## Where the time goes (perf record -e cpu-clock, share of samples)\n")
            for title, by_dso, by_sym in self.prof:
                w(f"{title}:\n")
                w("```")
                w(by_dso)
                w("")
                w(by_sym)
                w("```\n")

        # ---- targets
        w("## Issue 6 targets\n")
        w("| # | target | measured | status |")
        w("|---|---|---|---|")

        def status(ok):
            return "—" if ok is None else ("**met**" if ok else "**missed**")
        # 1
        if self.t1:
            parts = []
            ok_all = True
            ok_cpu = True
            x = lambda r: "—" if r is None else f"{r:.2f}"  # noqa: E731
            for size, p, r_cli, r_warm, r_tv_cli, r_tv_warm, rc_pil, rc_tv in self.t1:
                parts.append(f"{size} {p}: vs Pil {x(r_warm)}× warm wall, {x(rc_pil)}× CPU ({x(r_cli)}× CLI wall); "
                             f"vs torchvision {x(r_tv_warm)}× warm wall, {x(rc_tv)}× CPU")
                if r_warm is None or r_warm < 10:
                    ok_all = False
                if r_tv_warm is not None and r_tv_warm < 3:
                    ok_all = False
                if rc_pil is None or rc_pil < 10 or (rc_tv is not None and rc_tv < 3):
                    ok_cpu = False
            ident = all(x[2] for x in getattr(self, "identity", [])) if getattr(self, "identity", None) else None
            tv_missing = all(x[5] is None for x in self.t1)
            inproc = getattr(self, "inproc", {})
            ip_parts, ok_ip = [], bool(inproc)
            for size in ("1280x720", "1920x1080"):
                for p in PRESETS:
                    r_pil, r_tv = inproc.get(("jpg", size, p), (None, None))
                    ip_parts.append(f"{size} {p}: {x(r_pil)}× Pil, {x(r_tv)}× torchvision")
                    ok_ip &= r_pil is not None and r_pil >= 10 and (r_tv is None or r_tv >= 3)
            w(f"| 1 | images: ≥10× Pil, ≥3× torchvision per thread, bit-identical (720p/1080p JPEG) | "
              + "convert, shards written: " + "; ".join(parts)
              + ". In one process, nothing written (stage timer CPU vs the calls' CPU): " + "; ".join(ip_parts)
              + f". Bit-identical on all benchmark JPEGs: {'yes' if ident else ('NO' if ident is False else '—')}"
              + (" (torchvision not measured)" if tv_missing else "")
              + f" | convert wall: {status(ok_all and bool(ident))}; convert CPU: {status(ok_cpu and bool(ident))}; "
              + f"in process: {status(ok_ip and bool(ident)) if inproc else '—'} |")
        # 2
        if stages:
            parts, ok_all = [], True
            for size in ("1280x720", "1920x1080"):
                for p in PRESETS:
                    d = stages.get(("jpg", size, p))
                    if d:
                        r = d["total_ms"] / d["decode_ms"]
                        parts.append(f"{size} {p} {r:.2f}×")
                        ok_all &= r <= 1.5
            w(f"| 2 | images: mmprep time ≤ 1.5× its own decode (stage timer, 720p/1080p JPEG) | {'; '.join(parts)} | {status(ok_all)} |")
        # 3
        if getattr(self, "t3", None):
            parts, ok_all = [], True
            for label, r1, ra, rc in self.t3:
                parts.append(f"{label}: {fmt_x(r1)} of ffmpeg -threads 1 ({fmt_x(rc)} CPU), {fmt_x(ra)} of ffmpeg auto threads")
                if r1 is None or r1 >= 1:
                    ok_all = False
            w(f"| 3 | video below full decode (60 s 1080p30 H.264) | {'; '.join(parts)} | {status(ok_all)} (vs -threads 1; not this harness's work item) |")
        # 4
        if self.t4:
            parts, ok_all = [], True
            for t in self.t4:
                if t[0] == "long":
                    parts.append(f"{lv['secs']} s 1080p qwen3-vl: peak {t[1] / MiB if t[1] else 0:.0f} MiB vs limit {t[2] / MiB if t[2] else 0:.0f} MiB")
                else:
                    parts.append(f"1000 images: {t[4] / 1024 if t[4] is not None else 0:+.1f} MiB after the first 100")
                ok_all &= bool(t[3])
            w(f"| 4 | memory | {'; '.join(parts)} | {status(ok_all)} |")
        # 5
        if self.t5:
            parts = [f"{label}: {fmt_x(sc)}" for label, sc in self.t5]
            ok_all = all(sc is not None and sc >= 1.8 for _, sc in self.t5)
            cores = [ratio(self.m((k, 1), "cpu"), self.m((k, 1))) for k in ("convert-set", "convert-many")
                     if (k, 1) in self.results]
            starved = [c for c in cores if c is not None and c < 0.9]
            note = (f" — the machine was saturated: jobs 1 got only {', '.join(f'{c:.2f}' for c in starved)} "
                    "of a core, so this run cannot show scaling; re-run on an idle machine") if starved else ""
            used = [f"{k}: jobs 1 used {c:.2f} cores, jobs 2 {c2:.2f}" for k in ("convert-set", "convert-many")
                    if (c := ratio(self.m((k, 1), "cpu"), self.m((k, 1)))) is not None
                    and (c2 := ratio(self.m((k, 2), "cpu"), self.m((k, 2)))) is not None]
            w(f"| 5 | convert jobs 2 ≥ 1.8× jobs 1 | {'; '.join(parts)} ({'; '.join(used)}) | {status(ok_all)}{note} |")
        # 6
        if self.t6:
            parts = [f"{n.split(' bytes')[0].replace('patchify ', '')}: {g:.2f} GB/s, {fmt_x(rw)} of memcpy" for n, g, rw, rf in self.t6]
            ok_all = all(rw is not None and rw >= 0.5 for _, _, rw, _ in self.t6)
            w(f"| 6 | patchify+normalise ≥ 0.5× memcpy bandwidth | {'; '.join(parts)} | {status(ok_all)} |")
        w("")
        if self.torch_note:
            w(f"Torch: {self.torch_note}\n")
        return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mmprep", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work-shm", required=True)
    ap.add_argument("--work-disk", required=True)
    ap.add_argument("--pil-python", required=True)
    ap.add_argument("--torch-python", default="")
    ap.add_argument("--torch-note", default="")
    ap.add_argument("--stage-timer", default="")
    ap.add_argument("--kernels-dir", default="")
    ap.add_argument("--command", default="bench/run.sh")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--state", default=str(ROOT / ".cache" / "bench" / "last-run.pkl"),
                    help="where the measured samples are saved after every step")
    ap.add_argument("--report-only", default="", help="re-render RESULTS.md from a saved --state file")
    ap.add_argument("--reprofile", action="store_true", help="with --report-only: run the perf profiles again")
    Bench(ap.parse_args()).run()


if __name__ == "__main__":
    main()
